import type { DeployOptions } from '@allthrive/ecs-deploy-and-wait';
import { CLUSTER, REPO } from '../harness/scripted-ecs-endpoint.js';

/** What the action's documented input defaults become in the engine's options. */
export const ACTION_DEFAULTS = {
  containers: undefined,
  pinDigest: true,
  forceNewDeployment: true,
  wait: true,
  timeoutMs: 15 * 60_000,
  pollIntervalMs: 10_000,
  rollback: false,
} satisfies Partial<DeployOptions>;

/** The engine's options for one service `web` on the scripted ECS endpoint, with the action's defaults. */
export function webOptions(overrides: Partial<DeployOptions> = {}): DeployOptions {
  return {
    cluster: CLUSTER,
    services: ['web'],
    image: `${REPO}@sha256:${'a'.repeat(64)}`,
    ...ACTION_DEFAULTS,
    ...overrides,
  };
}
