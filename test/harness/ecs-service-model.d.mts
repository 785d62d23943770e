// Types of ecs-service-model.mjs (JavaScript so that the benchmarks can run it under plain Node).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Wire = any;

export declare const ACCOUNT: string;
export declare const CLUSTER: string;
export declare const REGION: string;
export declare function taskDefinitionArn(familyRevision: string): string;
export declare function steadyService(
  name: string,
  options: { id: string; desiredCount?: number; deploymentConfiguration?: Wire; events?: Wire[] },
): Record<string, Wire>;
export declare function taskDefinitionHandlers(
  image: string,
  extra?: Record<string, unknown>,
): { DescribeTaskDefinition: (body: Wire) => Wire; RegisterTaskDefinition: (body: Wire) => Wire };
export declare function startDeployment(
  service: Record<string, Wire>,
  deployment: { id: string; taskDefinition?: string; running?: number },
): void;
