// Types for account.mjs (tests check account descriptions and seed moto from them).
export const LOCAL_REGION: string;
export const LOCAL_ACCOUNT_ID: string;
export const LOCAL_CREDENTIALS: { accessKeyId: string; secretAccessKey: string };
export const MOTO_ECS_SERVICE_RUNNING: number;
export function registryOf(accountId?: string, region?: string): string;
export function accountProblems(account: unknown): string[];
export function readAccountFile(file: string): Record<string, unknown>;
export function seedAccount(options: { endpoint: string; account: unknown }): Promise<{
  distributions: Record<string, string>;
  images: Record<string, string>;
  taskDefinitions: Record<string, string>;
  network?: { subnets: string[]; securityGroups: string[] };
}>;
