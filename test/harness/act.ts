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
