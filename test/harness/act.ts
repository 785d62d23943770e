/**
 * Workflow tests: real workflow files run by nektos/act in host mode against moto. The runner
 * itself lives in scripts/demo/act.mjs (shared with `npm run demo`); this module adds types and
 * the settings that point a workflow at a moto endpoint.
 */
export {
  ACT_VERSION,
  findAct,
  initGitWorkspace,
  parseActLog,
  requireAct,
  runAct,
  stageActionsRepository,
  writeFiles,
  type ActOptions,
  type ActResult,
  type ActStep,
} from '../../scripts/demo/act.mjs';
import type { ActResult } from '../../scripts/demo/act.mjs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './bundle.js';

/** Static test credentials for act runs. Deliberately not the word `testing`: act masks secret
 * values everywhere in its log and in outputs, so a common word would turn into `***`. */
export const ACT_TEST_SECRETS = {
  AWS_ACCESS_KEY_ID: 'AKIAACTLOCALTEST0001',
  AWS_SECRET_ACCESS_KEY: 'act-local-test-secret-0001',
} as const;

/** `--env` and `--secret-file` values that point a workflow's AWS steps at a moto endpoint. */
export function motoActSettings(moto: { endpoint: string }): { env: Record<string, string>; secrets: Record<string, string> } {
  return {
    env: { AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' },
    secrets: { ...ACT_TEST_SECRETS },
  };
}

/** Fails with act's transcript (the last 8000 characters) unless every job succeeded with no
 * ::error annotation, so a failing workflow test shows what the run printed. */
export function expectJobSucceeded(run: ActResult): void {
  const failedJobs = Object.entries(run.jobs).filter(([, result]) => result !== 'success');
  if (run.exitCode === 0 && failedJobs.length === 0 && run.errors.length === 0 && Object.keys(run.jobs).length > 0) return;
  const errors = [
    ...run.errors.map((e) => `  ::error ${JSON.stringify(e.properties)}: ${e.message}`),
    ...run.failures.map((f) => `  act: ${f}`),
  ].join('\n');
  throw new Error(
    `act exited with ${run.exitCode}; jobs ${JSON.stringify(run.jobs)}\n${errors}\n--- act transcript (tail) ---\n${run.log.slice(-8000)}\n${run.stderr.slice(-2000)}`,
  );
}

/** Throws a clear message when an action's bundle is missing (act would only say MODULE_NOT_FOUND). */
export function requireBundles(...names: string[]): void {
  const missing = names.filter((name) => !existsSync(path.join(repoRoot, 'dist', name, 'index.js')));
  if (missing.length)
    throw new Error(`missing bundle(s) ${missing.map((n) => `dist/${n}/index.js`).join(', ')}: run \`npm run build\` first`);
}
