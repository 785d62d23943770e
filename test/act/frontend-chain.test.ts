import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO, seedFrontend } from '../../scripts/demo/seed.mjs';
import { expectJobSucceeded, motoActSettings, requireBundles, runAct } from '../harness/act.js';
import { useMoto } from '../harness/moto.js';
import { sampleFrontendDir, sampleFrontendWorkspace } from './helpers.js';

const vars = { FRONTEND_BUCKET: DEMO.bucket, STACK_NAME: DEMO.stackName };

describe('workflow: s3-sync-frontend -> cloudfront-invalidate (act, moto)', () => {
  const moto = useMoto();
  beforeAll(() => requireBundles('s3-sync-frontend', 'cloudfront-invalidate'));

  async function keys(s3: S3Client): Promise<string[]> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: DEMO.bucket }));
    return (listed.Contents ?? []).map((o) => o.Key!).sort();
  }

  it('deploys the build, deletes the stale bundle and invalidates exactly the changed paths', async () => {
    const { distributionId } = await seedFrontend({ endpoint: moto.endpoint, frontendDir: sampleFrontendDir });
    const run = await runAct({
      workflow: 'test/workflows/frontend-chain.yml',
      files: sampleFrontendWorkspace(),
      vars,
      ...motoActSettings(moto),
    });
    try {
      expectJobSucceeded(run);
      const s3 = new S3Client(moto.clientConfig);
      const after = await keys(s3);
      // The new hashed bundles and pages are there, the previous release's bundle is gone.
      expect(after).toEqual(expect.arrayContaining(['index.html', 'about/index.html', 'robots.txt', 'sitemap.xml', 'llms.txt']));
      expect(after.some((k) => /^assets\/app-[\w-]{8}\.js$/.test(k))).toBe(true);
      expect(after).not.toContain('assets/app-0ldRe1se.js');
      const bundle = after.find((k) => /^assets\/app-.*\.js$/.test(k))!;
      const head = await s3.send(new HeadObjectCommand({ Bucket: DEMO.bucket, Key: bundle }));
      expect(head.CacheControl).toContain('immutable');
      const html = await s3.send(new HeadObjectCommand({ Bucket: DEMO.bucket, Key: 'index.html' }));
      expect(html.CacheControl).toBe('no-cache');

      // Outputs flowed from one step to the next: the invalidation holds what the sync reported.
      const sync = run.step('sync');
      const changed = JSON.parse(sync.outputs['changed-paths']) as string[];
      expect(changed).toEqual(expect.arrayContaining(['/index.html', '/']));
      // the old bundle was deleted (delete-grace 0), but no live page references it: nothing to invalidate
      expect(changed).not.toContain('/assets/app-0ldRe1se.js');
      expect(Number(sync.outputs.deleted)).toBeGreaterThanOrEqual(1);
      const invalidate = run.step('invalidate');
      expect(invalidate.outputs['distribution-id']).toBe(distributionId);
      expect(run.step('chain').outputs.changed).toBe(sync.outputs['changed-paths']);

      const cloudfront = new CloudFrontClient(moto.clientConfig);
      const list = await cloudfront.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
      expect(list.InvalidationList?.Items?.map((i) => i.Id)).toEqual([invalidate.outputs['invalidation-id']]);
      const invalidation = await cloudfront.send(
        new GetInvalidationCommand({ DistributionId: distributionId, Id: invalidate.outputs['invalidation-id'] }),
      );
      const sent = invalidation.Invalidation?.InvalidationBatch?.Paths?.Items ?? [];
      expect([...sent].sort()).toEqual([...(JSON.parse(invalidate.outputs.paths) as string[])].sort());
      expect(sync.summary).not.toBe('');
      expect(invalidate.summary).not.toBe('');
    } finally {
      run.cleanup();
    }
  });

  it('a second deploy of the same build uploads nothing and sends no invalidation', async () => {
    const { distributionId } = await seedFrontend({ endpoint: moto.endpoint, frontendDir: sampleFrontendDir });
    const options = { workflow: 'test/workflows/frontend-chain.yml', vars, ...motoActSettings(moto) };
    const first = await runAct({ ...options, files: sampleFrontendWorkspace() });
    first.cleanup();
    expectJobSucceeded(first);
    const second = await runAct({ ...options, files: sampleFrontendWorkspace() });
    try {
      expectJobSucceeded(second);
      expect(second.step('sync').outputs.uploaded).toBe('0');
      expect(JSON.parse(second.step('sync').outputs['changed-paths'])).toEqual([]);
      expect(second.step('invalidate').outputs.status).toBe('skipped');
      const cloudfront = new CloudFrontClient(moto.clientConfig);
      const list = await cloudfront.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
      expect(list.InvalidationList?.Items ?? []).toHaveLength(1);
    } finally {
      second.cleanup();
    }
  });
});
