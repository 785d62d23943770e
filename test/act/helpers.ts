import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect } from '@jest/globals';
import {
  CloudFrontClient,
  ListInvalidationsCommand,
  type CloudFrontClientConfig,
  type InvalidationSummary,
} from '@aws-sdk/client-cloudfront';
import { GetObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { processAlive, processGroupAlive } from '@allthrive/seo-validate';
import { DEMO } from '../../scripts/demo/seed.mjs';
import type { ActResult, ActStep } from '../harness/act.js';
import { repoRoot } from '../harness/bundle.js';

export const sampleFrontendDir = path.join(repoRoot, 'scripts', 'demo', 'sample-frontend');

/** The files of a folder as `{ '<prefix>/<relative path>': content }`, for a workspace. */
export function filesOf(dir: string, prefix: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const full = path.join(current, entry);
      if (entry === 'node_modules' || entry === 'dist') continue;
      if (statSync(full).isDirectory()) walk(full);
      else files[path.posix.join(prefix, path.relative(dir, full).split(path.sep).join('/'))] = readFileSync(full);
    }
  };
  walk(dir);
  return files;
}

/** The demo's sample frontend (sources, not built) under frontend/ of a workspace. */
export function sampleFrontendWorkspace(): Record<string, Buffer> {
  return filesOf(sampleFrontendDir, 'frontend');
}

export type ScriptResult = { code: number | null; stdout: string; stderr: string };

/** Runs one of the repository's scripts (scripts/<name>) with Node, as `npm run` would, uncoloured. */
export function runScript(script: string, args: string[], env: Record<string, string> = {}): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'scripts', script), ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1', INIT_CWD: repoRoot, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Fails with the end of the run's output unless it exited 0 and says every named job succeeded. */
export function expectRunSucceeded(result: ScriptResult, jobs: string[]): void {
  const line = `The workflow succeeded (${jobs.join(', ')}).`;
  if (result.code === 0 && result.stdout.includes(line)) return;
  throw new Error(`expected exit 0 and "${line}", got exit ${result.code}:\n${result.stdout.slice(-6000)}\n${result.stderr.slice(-2000)}`);
}

/** The index.html the demo bucket serves now. */
export async function liveIndexHtml(moto: { clientConfig: S3ClientConfig }): Promise<string> {
  const s3 = new S3Client(moto.clientConfig);
  return (await s3.send(new GetObjectCommand({ Bucket: DEMO.bucket, Key: 'index.html' }))).Body!.transformToString();
}

/** The invalidations moto holds for a distribution. */
export async function invalidationsOf(
  moto: { clientConfig: CloudFrontClientConfig },
  distributionId: string,
): Promise<InvalidationSummary[]> {
  const cloudfront = new CloudFrontClient(moto.clientConfig);
  return (await cloudfront.send(new ListInvalidationsCommand({ DistributionId: distributionId }))).InvalidationList?.Items ?? [];
}

/**
 * Asserts that the deploy job and its `deploy` step failed, that the step reports `failed` with
 * these parts, and that the next step read the same production state; returns the step.
 */
export function failedDeployStep(run: ActResult, parts: Record<string, string>): ActStep {
  expect(run.jobs.deploy).toBe('failure');
  const deploy = run.step('deploy');
  expect(deploy.result).toBe('failure');
  expect(JSON.parse(deploy.outputs.parts)).toEqual(parts);
  expect(deploy.outputs.result).toBe('failed');
  expect(run.step('after').outputs.state).toBe(deploy.outputs['production-state']);
  return deploy;
}

/**
 * Whether a process (or, with a negative id, a process group) is still running. A zombie is not:
 * it holds no port, file or CPU, and on this machine PID 1 (the sandbox's process manager) never
 * reaps orphans, so the zombie of a server whose parent exited first stays in the process table.
 * The same reading as the action's own stop (server-process.ts).
 */
export function processExists(pid: number): boolean {
  return pid < 0 ? processGroupAlive(-pid) : processAlive(pid);
}
