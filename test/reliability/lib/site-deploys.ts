import { afterEach, beforeEach, expect } from '@jest/globals';
import { rmSync } from 'node:fs';
import type { BundleOptions } from '../../harness/bundle.js';
import type { FaultRule, RecordedRequest } from '../../harness/fault-proxy.js';
import type { Moto } from '../../harness/moto.js';
import { useFaultProxy, type FaultEndpoint } from './fault-endpoint.js';
import { describeFaults, faultMix } from './faults.js';
import { expectNextLiveOrPreviousHtml, expectRerunCompletes } from './frontend-outcome.js';
import { describeRun, runChecked, type CheckedResult } from './run.js';
import { FIXTURE, seedBuilds } from './seed.js';

export interface SiteDeployOptions {
  seed?: number;
  /** Inputs over the suite's own for this run. */
  inputs?: Record<string, string>;
  onStart?: BundleOptions['onStart'];
}

export interface SiteDeploys {
  /**
   * Runs the action on the build `source` (`v1` or `v2`) in this test's workspace: through a fresh
   * fault proxy when there are `rules`, straight to moto otherwise. Every run is kept for the
   * secrets check.
   */
  deploy(source: string, rules?: FaultRule[], options?: SiteDeployOptions): Promise<CheckedResult>;
  /**
   * The fault-level round both suites run: v2 deployed under `percent` % mixed faults on every
   * request (seeded); `invariant` checks the suite's own rule on the recorded requests; then v2 is
   * live or v1's HTML still is (expectNextLiveOrPreviousHtml), and a re-run without faults completes.
   */
  underMixedFaults(
    percent: number,
    seed: number,
    invariant: (requests: RecordedRequest[], details: string) => void,
  ): Promise<{ run: CheckedResult; requests: RecordedRequest[]; v2Live: boolean; metrics: Record<string, number> }>;
  faults: FaultEndpoint;
  /** Every run of the suite, for testNoSecretLeaks. */
  scanned: CheckedResult[];
}

/**
 * The set-up of the suites that deploy the site to a bucket under faults (s3-sync-frontend and the
 * root action): before each test a fresh workspace holds both builds, `seed` adds what else the
 * action needs in moto, and v1 is deployed without faults; the workspace is removed after.
 */
export function useSiteDeploys(
  name: string,
  moto: Moto,
  suite: {
    prefix: string;
    builds: { v1: Record<string, string>; v2: Record<string, string> };
    /** The suite's inputs besides `source` and `bucket`. */
    inputs: Record<string, string>;
    timeoutMs: number;
    seed?: () => Promise<void>;
  },
): SiteDeploys {
  const faults = useFaultProxy(() => moto.endpoint);
  const scanned: CheckedResult[] = [];
  let workspace: string;

  async function deploy(source: string, rules?: FaultRule[], options: SiteDeployOptions = {}): Promise<CheckedResult> {
    const endpoint = await faults.endpoint(rules, options.seed);
    const run = await runChecked(name, {
      inputs: { source, bucket: FIXTURE.bucket, ...suite.inputs, ...options.inputs },
      env: { ...moto.env, AWS_ENDPOINT_URL: endpoint },
      workspace,
      timeoutMs: suite.timeoutMs,
      onStart: options.onStart,
    });
    run.cleanup();
    scanned.push(run);
    return run;
  }

  async function underMixedFaults(percent: number, seed: number, invariant: (requests: RecordedRequest[], details: string) => void) {
    const run = await deploy('v2', faultMix(percent / 100), { seed });
    const requests = faults.proxy.requests;
    const details = `${describeFaults(requests)}\n${describeRun(run)}`;
    invariant(requests, details);
    const v2Live = await expectNextLiveOrPreviousHtml(moto, run, details, suite.builds.v1, suite.builds.v2);
    await expectRerunCompletes(moto, await deploy('v2'), suite.builds.v2);
    return { run, requests, v2Live, metrics: { requests: requests.length, faulted: faults.proxy.faults().length } };
  }

  beforeEach(async () => {
    workspace = await seedBuilds(moto, suite.prefix, suite.builds.v1, suite.builds.v2);
    await suite.seed?.();
    const first = await deploy('v1');
    expect({ exit: first.exitCode, details: describeRun(first) }).toMatchObject({ exit: 0 });
  });
  afterEach(() => {
    rmSync(workspace, { recursive: true, force: true });
  });
  return { deploy, underMixedFaults, faults, scanned };
}
