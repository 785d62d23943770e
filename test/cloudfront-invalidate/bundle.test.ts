import { afterEach, describe, expect, it } from '@jest/globals';
import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { runBundle, type BundleResult } from '../harness/bundle.js';
import { useMoto } from '../harness/moto.js';
import { createDistribution, createStack } from './moto-fixtures.js';

const moto = useMoto();
const results: BundleResult[] = [];
const run = async (inputs: Record<string, string>, env: Record<string, string> = {}) => {
  const result = await runBundle('cloudfront-invalidate', { inputs, env: { ...moto.env, ...env } });
  results.push(result);
  return result;
};
afterEach(() => results.splice(0).forEach((r) => r.cleanup()));

async function invalidationsOf(id: string) {
  const cloudfront = new CloudFrontClient(moto.clientConfig);
  const listed = await cloudfront.send(new ListInvalidationsCommand({ DistributionId: id }));
  return Promise.all(
    (listed.InvalidationList?.Items ?? []).map(
      async (item) => (await cloudfront.send(new GetInvalidationCommand({ DistributionId: id, Id: item.Id }))).Invalidation!,
    ),
  );
}

describe('cloudfront-invalidate bundle against moto', () => {
  it("takes s3-sync-frontend's changed-paths and the stack output, invalidates and reports", async () => {
    const id = await createDistribution(moto);
    await createStack(moto, 'production-allthrive', id);
    const changedPaths = JSON.stringify(['/', '/index.html', '/about/', '/about/index.html', '/caf%C3%A9.html', '/robots.txt']);
    const result = await run(
      { 'stack-name': 'production-allthrive', paths: changedPaths, 'stack-output': 'DistributionId' },
      { GITHUB_RUN_ID: '555', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'deploy' },
    );
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    const stored = await invalidationsOf(id);
    expect(stored).toHaveLength(1);
    expect(result.outputs).toEqual({
      'distribution-id': id,
      'invalidation-id': stored[0].Id,
      status: 'Completed',
      paths: JSON.stringify(['/', '/about/', '/about/index.html', '/caf%C3%A9.html', '/index.html', '/robots.txt']),
    });
    expect(stored[0].InvalidationBatch?.Paths?.Items?.sort()).toEqual(JSON.parse(result.outputs.paths));
    expect(stored[0].InvalidationBatch?.CallerReference).toMatch(/^gha-555-2-deploy-[0-9a-f]{8}-[0-9a-f]{16}$/);
    expect(result.log).toContain(`Distribution ${id} (output 'DistributionId' of stack production-allthrive).`);
    expect(result.summary).toContain('CloudFront invalidation');
    expect(result.summary).toContain('6 paths sent, covering 6 input paths.');
    expect(result.summary).toContain('Billable paths: 6 (0 wildcards, each billed as one path).');
    expect(result.summary).toContain(stored[0].Id);
  });

  it("strips the S3 origin's OriginPath read from the distribution (origin-path: auto by default)", async () => {
    const id = await createDistribution(moto, '/app');
    const result = await run({ 'distribution-id': id, paths: JSON.stringify(['/app/', '/app/index.html']) });
    expect(result.errors).toEqual([]);
    expect(result.outputs.paths).toBe(JSON.stringify(['/', '/index.html']));
    const [stored] = await invalidationsOf(id);
    expect(stored.InvalidationBatch?.Paths?.Items?.sort()).toEqual(['/', '/index.html']);
    expect(result.log).toContain("uses S3 origin 'site' with OriginPath '/app'");
  });

  it('collapses more paths than max-paths into covering wildcards', async () => {
    const id = await createDistribution(moto);
    const paths = ['/index.html', ...Array.from({ length: 30 }, (_, i) => `/blog/post-${i}/index.html`)].join('\n');
    const result = await run({ 'distribution-id': id, paths, 'max-paths': '5', summary: 'false' });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.outputs.paths)).toEqual(['/blog/*', '/index.html']);
    expect(result.summary).toBe('');
    const [stored] = await invalidationsOf(id);
    expect(stored.InvalidationBatch?.Paths?.Items?.sort()).toEqual(['/blog/*', '/index.html']);
    expect(result.log).toContain('31 distinct paths exceed max-paths (5): sending 2 that cover them all, collapsed into /blog/*.');
  });

  it('an empty paths input (a mistyped output name) fails naming the expression that feeds it, and sends nothing', async () => {
    const id = await createDistribution(moto);
    const result = await run({ 'distribution-id': id, paths: '' });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].properties.title).toBe('paths');
    expect(result.errors[0].message).toMatch(/^Input 'paths' is empty, so it is not known what changed\./);
    expect(result.errors[0].message).toContain('${{ steps.<sync step id>.outputs.changed-paths }}');
    expect(result.log).not.toContain('nothing changed, so no invalidation was sent');
    expect(await invalidationsOf(id)).toEqual([]);
  });

  it('sends nothing when nothing changed ([]), and says so', async () => {
    const id = await createDistribution(moto);
    for (const paths of ['[]', ' [ ] ']) {
      const result = await run({ 'distribution-id': id, paths });
      expect(result.exitCode).toBe(0);
      expect(result.outputs).toEqual({ 'distribution-id': id, 'invalidation-id': '', status: 'skipped', paths: '[]' });
      expect(result.log).toContain('No paths to invalidate: nothing changed, so no invalidation was sent');
      expect(result.summary).toContain('Nothing changed: no invalidation was sent');
    }
    expect(await invalidationsOf(id)).toEqual([]);
  });

  it('fails with one error line naming the outputs the stack has when the output is missing', async () => {
    const id = await createDistribution(moto);
    await createStack(moto, 'prod', id);
    const result = await run({ 'stack-name': 'prod', 'stack-output': 'CdnDistribution', paths: '/*' });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].message).toBe(
      "CloudFormation stack 'prod' (CREATE_COMPLETE) has no output with OutputKey or ExportName 'CdnDistribution'. It has: BucketName, DistributionId (export prod-distribution-id). Set 'stack-output' to the one holding the distribution id.",
    );
    expect(await invalidationsOf(id)).toEqual([]);
  });

  it('fails with one error line for a stack that does not exist', async () => {
    const result = await run({ 'stack-name': 'no-such-stack', paths: '/*' });
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((e) => e.message)).toEqual([
      "CloudFormation stack 'no-such-stack' does not exist in this account and region: check 'stack-name' and 'aws-region' (the stack's region, not CloudFront's).",
    ]);
  });
});
