// Types for seed.mjs (the workflow tests seed moto with the demo account's pieces).
export const DEMO: {
  region: string;
  accountId: string;
  bucket: string;
  stackName: string;
  cluster: string;
  services: Record<string, number>;
  repository: string;
  readonly registry: string;
};
export const MOTO_ECS_SERVICE_RUNNING: number;
export const DEMO_TASK_COUNTS_NOTE: string;
export const DEMO_CREDENTIALS: { accessKeyId: string; secretAccessKey: string };
export interface FrontendSeed {
  distributionId: string;
  previousFrontend: string[];
}
export interface BackendSeed {
  image: string;
  imageDigest: string;
  previousImage: string;
  taskDefinitions: Record<string, string>;
  network: { subnets: string[]; securityGroups: string[] };
}
export function seedFrontend(options: { endpoint: string; frontendDir: string }): Promise<FrontendSeed>;
export function seedBackend(options: { endpoint: string; imageTag: string }): Promise<BackendSeed>;
export function seedDemoAccount(options: { endpoint: string; imageTag: string; frontendDir: string }): Promise<FrontendSeed & BackendSeed>;
export function demoAccount(options: { frontendDir: string; imageTags?: string[] }): Record<string, unknown>;
