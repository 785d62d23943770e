import { afterEach, describe, expect, it } from '@jest/globals';
import { runBundle } from '../harness/bundle.js';
import type { FakeAwsEndpoint } from '../harness/fake-aws.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { useMoto } from '../harness/moto.js';
import { BUCKET, createBucket, listKeys, makeSite, SITE_V1 } from '../s3-sync-frontend/helpers.js';
import { fakeEcsEnv, startTinyEcs } from './ecs-fake.js';

// Issue 16.5: the README says every action writes a job summary, but a failed step wrote none. On
// failure the summary says that the step failed, the error, and what was done before it.

const moto = useMoto();
let proxy: FaultProxy | undefined;
let fake: FakeAwsEndpoint | undefined;
afterEach(async () => {
  await proxy?.close();
  await fake?.close();
  proxy = undefined;
  fake = undefined;
});

describe('a job summary when the step fails', () => {
  it('s3-sync-frontend: the HTML upload fails after the assets went up', async () => {
    const s3 = await createBucket(moto);
    // Every PutObject of index.html answers 500 (max-attempts 1: no retry), after the hashed assets
    // and the other files are uploaded, so the failure comes in the middle of the deploy.
    proxy = await startFaultProxy({
      upstream: moto.endpoint,
      rules: [{ fault: 'internal', operation: 'PutObject', path: /index\.html$/ }],
    });
    const run = await runBundle('s3-sync-frontend', {
      inputs: { bucket: BUCKET, prefix: 'app', 'max-attempts': '1' },
      env: { ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint },
      workspace: makeSite(SITE_V1),
    });
    try {
      expect(run.exitCode).toBe(1);
      expect((await listKeys(s3)).has('app/assets/index-BxY3k9_a.js')).toBe(true);
      expect(run.summary).toMatch(/<h3>s3-sync-frontend failed<\/h3>/);
      expect(run.summary).toContain(escapeHtml(run.errors.at(-1)!.message));
      expect(run.summary).toMatch(/Before the failure/);
      expect(run.summary).toMatch(/content-hashed files: uploaded 4/);
    } finally {
      run.cleanup();
    }
  });

  it('ecs-deploy-and-wait: the second service cannot be updated after the first was', async () => {
    fake = await startTinyEcs({ failUpdate: ['worker'] });
    const run = await runBundle('ecs-deploy-and-wait', {
      inputs: { cluster: 'prod', services: 'web,worker', 'poll-interval': '1s', timeout: '1m' },
      env: fakeEcsEnv(fake),
    });
    try {
      expect(run.exitCode).toBe(1);
      expect(fake.count('UpdateService')).toBeGreaterThanOrEqual(1);
      expect(run.summary).toMatch(/<h3>ecs-deploy-and-wait failed<\/h3>/);
      expect(run.summary).toContain('InvalidParameterException');
      expect(run.summary).toContain('web: started deployment ecs-svc/web-2');
      expect(run.summary).toMatch(/Before the failure/);
    } finally {
      run.cleanup();
    }
  });

  it('an input error: the summary says nothing was done', async () => {
    const run = await runBundle('ecs-exec-migrate', { inputs: { cluster: 'prod', command: 'migrate', mode: 'ssh' } });
    try {
      expect(run.exitCode).toBe(1);
      expect(run.summary).toMatch(/<h3>ecs-exec-migrate failed<\/h3>/);
      expect(run.summary).toContain('Input &#39;mode&#39;');
      expect(run.summary).toContain('Nothing was done: the step stopped at its inputs, before any request.');
    } finally {
      run.cleanup();
    }
  });

  it('summary: false writes none, failed or not', async () => {
    const run = await runBundle('ecs-exec-migrate', { inputs: { cluster: 'prod', command: 'migrate', mode: 'ssh', summary: 'false' } });
    expect(run.exitCode).toBe(1);
    expect(run.summary).toBe('');
    run.cleanup();
  });
});

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
