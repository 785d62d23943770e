import { describe, expect, it } from '@jest/globals';
import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ActionError, memoryLogger, systemClock } from '@allthrive/toolkit';
import { resolveDistributionId, runInvalidation } from '@allthrive/cloudfront-invalidate';
import { useMoto } from '../harness/moto.js';
import { createDistribution, createStack } from './moto-fixtures.js';

const moto = useMoto();

describe('against moto', () => {
  it('reads the distribution id from a stack output by OutputKey, falling back to ExportName', async () => {
    const cloudformation = new CloudFormationClient(moto.clientConfig);
    const id = await createDistribution(moto);
    await createStack(moto, 'production-allthrive', id);
    expect(await resolveDistributionId({ stackName: 'production-allthrive', stackOutput: 'DistributionId' }, { cloudformation })).toBe(id);
    // A CDK-style stack: the OutputKey carries a hash suffix, the export name is stable.
    await createStack(moto, 'cdk-web', id, { key: 'WebDistributionId8F3A2C1B', exportName: 'web-dist' });
    expect(await resolveDistributionId({ stackName: 'cdk-web', stackOutput: 'web-dist' }, { cloudformation })).toBe(id);
    expect(await resolveDistributionId({ distributionId: 'E123456789', stackOutput: 'DistributionId' }, { cloudformation })).toBe(
      'E123456789',
    );
  });

  it('fails clearly for a missing stack, and for a missing output listing the outputs the stack has', async () => {
    const cloudformation = new CloudFormationClient(moto.clientConfig);
    await expect(resolveDistributionId({ stackName: 'no-such-stack', stackOutput: 'DistributionId' }, { cloudformation })).rejects.toThrow(
      "CloudFormation stack 'no-such-stack' does not exist in this account and region: check 'stack-name' and 'aws-region' (the stack's region, not CloudFront's).",
    );
    await createStack(moto, 'prod', 'E1234567890AB');
    const error = await resolveDistributionId({ stackName: 'prod', stackOutput: 'CdnId' }, { cloudformation }).catch((e) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toBe(
      "CloudFormation stack 'prod' (CREATE_COMPLETE) has no output with OutputKey or ExportName 'CdnId'. It has: BucketName, DistributionId (export prod-distribution-id). Set 'stack-output' to the one holding the distribution id.",
    );
    await expect(resolveDistributionId({ stackName: 'prod', stackOutput: 'BucketName' }, { cloudformation })).rejects.toThrow(
      /^Output 'BucketName' of CloudFormation stack 'prod' is 'production-allthrive-frontend', which is not a CloudFront distribution id/,
    );
  });

  it('creates the invalidation from the stack output and sees it through to Completed', async () => {
    const cloudfront = new CloudFrontClient(moto.clientConfig);
    const cloudformation = new CloudFormationClient(moto.clientConfig);
    const id = await createDistribution(moto);
    await createStack(moto, 'production-allthrive', id);
    const logger = memoryLogger();
    const result = await runInvalidation(
      {
        stackName: 'production-allthrive',
        paths: ['/', '/index.html', '/café menu.html', '/index.html'],
        runId: '77',
        runAttempt: '3',
        job: 'deploy',
      },
      { cloudfront, cloudformation, logger, clock: systemClock },
    );
    expect(result).toMatchObject({ distributionId: id, status: 'Completed', paths: ['/', '/caf%C3%A9%20menu.html', '/index.html'] });
    expect(result.invalidationIds).toHaveLength(1);

    const listed = await cloudfront.send(new ListInvalidationsCommand({ DistributionId: id }));
    expect(listed.InvalidationList?.Items?.map((i) => i.Id)).toEqual(result.invalidationIds);
    const stored = await cloudfront.send(new GetInvalidationCommand({ DistributionId: id, Id: result.invalidationIds[0] }));
    expect(stored.Invalidation?.InvalidationBatch?.Paths?.Items).toEqual(['/', '/caf%C3%A9%20menu.html', '/index.html']);
    expect(stored.Invalidation?.InvalidationBatch?.CallerReference).toMatch(/^gha-77-3-deploy-[0-9a-f]{8}-[0-9a-f]{16}$/);
    expect(logger.text()).toMatch(/Created invalidation [A-Z0-9]+ for 3 paths/);
  });

  it('two invalidations of the same paths in one run attempt and job are two invalidations, with different references', async () => {
    const cloudfront = new CloudFrontClient(moto.clientConfig);
    const id = await createDistribution(moto);
    const step = { distributionId: id, paths: ['/*'], runId: '1', runAttempt: '1', job: 'deploy' };
    const first = await runInvalidation(step, { cloudfront, logger: memoryLogger(), clock: systemClock });
    const second = await runInvalidation(step, { cloudfront, logger: memoryLogger(), clock: systemClock });
    expect(second.invalidationIds[0]).not.toBe(first.invalidationIds[0]);
    expect(second.batches[0].callerReference).not.toBe(first.batches[0].callerReference);
    const listed = await cloudfront.send(new ListInvalidationsCommand({ DistributionId: id }));
    expect(listed.InvalidationList?.Items).toHaveLength(2);
  });

  it("origin-path auto: strips the S3 origin's OriginPath (/app) from every path, and says so", async () => {
    const cloudfront = new CloudFrontClient(moto.clientConfig);
    const id = await createDistribution(moto, '/app');
    const logger = memoryLogger();
    // s3-sync-frontend with prefix: app emits keys under /app/; viewers request them without it
    const result = await runInvalidation(
      { distributionId: id, paths: ['/app/', '/app/index.html', '/app/robots.txt'], runId: '5', runAttempt: '1' },
      { cloudfront, logger, clock: systemClock },
    );
    expect(result.paths).toEqual(['/', '/index.html', '/robots.txt']);
    expect(result.originPath).toBe('/app');
    const stored = await cloudfront.send(new GetInvalidationCommand({ DistributionId: id, Id: result.invalidationIds[0] }));
    expect(stored.Invalidation?.InvalidationBatch?.Paths?.Items?.sort()).toEqual(['/', '/index.html', '/robots.txt']);
    expect(logger.text()).toContain(
      `Distribution ${id}: the default cache behavior uses S3 origin 'site' with OriginPath '/app'; CloudFront adds it to every request, so it was removed from 3 path(s) (for example /app/index.html -> /index.html).`,
    );
  });

  it('origin-path none or an explicit value overrides the distribution, and a distribution without one changes nothing', async () => {
    const cloudfront = new CloudFrontClient(moto.clientConfig);
    const withPath = await createDistribution(moto, '/app');
    const none = await runInvalidation(
      { distributionId: withPath, paths: ['/app/index.html'], originPath: 'none' },
      { cloudfront, logger: memoryLogger(), clock: systemClock },
    );
    expect(none.paths).toEqual(['/app/index.html']);
    const plain = await createDistribution(moto);
    const explicit = await runInvalidation(
      { distributionId: plain, paths: ['/site/a.html', '/other.html'], originPath: '/site' },
      { cloudfront, logger: memoryLogger(), clock: systemClock },
    );
    expect(explicit.paths).toEqual(['/a.html', '/other.html']);
    const auto = await runInvalidation(
      { distributionId: plain, paths: ['/app/index.html'] },
      { cloudfront, logger: memoryLogger(), clock: systemClock },
    );
    expect(auto.paths).toEqual(['/app/index.html']);
  });

  it('reports a distribution that does not exist with the API message and what to check', async () => {
    const cloudfront = new CloudFrontClient(moto.clientConfig);
    await expect(
      runInvalidation({ distributionId: 'E0000000000000', paths: ['/'] }, { cloudfront, logger: memoryLogger(), clock: systemClock }),
    ).rejects.toThrow(
      /CloudFront GetDistributionConfig failed: NoSuchDistribution \(HTTP 404\).*Check 'distribution-id': no distribution E0000000000000 is visible to these credentials\. Nothing was invalidated\./,
    );
  });
});
