// Types for services.mjs (the service stand-ins of `npm run local`).
export type ServicePlan = { id: string; jobs: string[]; image: string; kind: string; port: number; env: Record<string, string> };
export type StartedService = { id: string; image: string; port: number; pid: number; what: string; jobs: string[]; dir: string };
export function kindOf(image: string): string | undefined;
export function findBinaries(names: string[], options?: { PATH?: string; extraDirs?: string[] }): Record<string, string> | undefined;
export function planServices(
  workflowFile: string,
  options?: { job?: string; find?: (names: string[]) => Record<string, string> | undefined },
): ServicePlan[];
export function startServices(plan: ServicePlan[]): Promise<{ started: StartedService[]; describe(): string[]; stop(): Promise<void> }>;
