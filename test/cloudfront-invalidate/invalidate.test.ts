import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AccessDenied,
  CloudFrontClient,
  CreateInvalidationCommand,
  GetDistributionConfigCommand,
  GetInvalidationCommand,
  InvalidArgument,
  TooManyInvalidationsInProgress,
} from '@aws-sdk/client-cloudfront';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ActionError, CancelledError, InputError, memoryLogger, virtualClock } from '@allthrive/toolkit';
import { invalidationSummary, runInvalidation, WaitTimeoutError, type InvalidateOptions } from '@allthrive/cloudfront-invalidate';

const DIST = 'E2QWRUHAPOMQZL';
const cloudfront = new CloudFrontClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const cfMock = mockClient(cloudfront);
const cloudformation = new CloudFormationClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const cfnMock = mockClient(cloudformation);

const meta = (status: number) => ({ $metadata: { httpStatusCode: status, requestId: 'req-1' } });
const tooMany = () =>
  new TooManyInvalidationsInProgress({
    message: 'Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.',
    ...meta(400),
  });
const awsError = (name: string, message: string, status: number, fault: 'client' | 'server' = 'client') =>
  Object.assign(new Error(message), { name, $fault: fault, ...meta(status) });
const created = (id: string, status = 'InProgress') => ({
  Invalidation: { Id: id, Status: status, CreateTime: new Date(), InvalidationBatch: undefined },
});
const got = (id: string, status: string) => ({
  Invalidation: { Id: id, Status: status, CreateTime: new Date(), InvalidationBatch: undefined },
});

function setup(random = () => 0.5) {
  const logger = memoryLogger();
  const clock = virtualClock(1_700_000_000_000);
  const controller = new AbortController();
  return { logger, clock, controller, deps: { cloudfront, cloudformation, logger, clock, signal: controller.signal, random } };
}

const base: InvalidateOptions = {
  distributionId: DIST,
  paths: ['/index.html', '/'],
  runId: '4242',
  runAttempt: '1',
  job: 'deploy',
  stepId: 'a1b2c3d4',
};

function createInputs() {
  return cfMock.commandCalls(CreateInvalidationCommand).map((c) => c.args[0].input);
}

beforeEach(() => {
  cfMock.reset();
  cfnMock.reset();
});

describe('runInvalidation: origin path', () => {
  it('without cloudfront:GetDistributionConfig, origin-path auto fails before invalidating and says what to grant or set', async () => {
    cfMock.on(GetDistributionConfigCommand).rejects(new AccessDenied({ message: 'User is not authorized', ...meta(403) }));
    const error = await runInvalidation(base, setup().deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).message).toMatch(
      /^CloudFront GetDistributionConfig failed: AccessDenied \(HTTP 403\).*grant cloudfront:GetDistributionConfig, or set 'origin-path' to the S3 origin's path \(such as \/app\) or to 'none'\. Nothing was invalidated\.$/,
    );
    expect(createInputs()).toEqual([]);
  });

  it("uses the S3 origin of the default cache behavior's origin group (its primary member)", async () => {
    cfMock.on(GetDistributionConfigCommand).resolves({
      DistributionConfig: {
        Origins: {
          Quantity: 2,
          Items: [
            { Id: 'api', DomainName: 'api.allthrive.ai', OriginPath: '/v1', CustomOriginConfig: {} as never },
            { Id: 'web', DomainName: 'web.s3.eu-west-1.amazonaws.com', OriginPath: '/site', S3OriginConfig: { OriginAccessIdentity: '' } },
          ],
        },
        OriginGroups: { Quantity: 1, Items: [{ Id: 'group', Members: { Quantity: 1, Items: [{ OriginId: 'web' }] } } as never] },
        DefaultCacheBehavior: { TargetOriginId: 'group' } as never,
      } as never,
    });
    cfMock.on(CreateInvalidationCommand).resolves(created('I1', 'Completed'));
    const result = await runInvalidation({ ...base, paths: ['/site/index.html'] }, setup().deps);
    expect(result.paths).toEqual(['/index.html']);
  });
});

describe('runInvalidation: caller references', () => {
  it('keeps one reference for every retry of a step, and a new step gets another', async () => {
    cfMock.on(CreateInvalidationCommand).rejectsOnce(tooMany()).resolves(created('I1', 'Completed'));
    const { deps } = setup();
    await runInvalidation({ ...base, stepId: undefined }, deps);
    const [first, retry] = createInputs().map((i) => i.InvalidationBatch?.CallerReference);
    expect(retry).toBe(first);
    expect(first).toMatch(/^gha-4242-1-deploy-[0-9a-f]{8}-[0-9a-f]{16}$/);
    await runInvalidation({ ...base, stepId: undefined }, setup().deps);
    expect(createInputs()[2].InvalidationBatch?.CallerReference).not.toBe(first);
  });

  it('says so when CloudFront returns an invalidation created before the step started (a reused caller reference)', async () => {
    const { deps, logger, clock } = setup();
    cfMock.on(CreateInvalidationCommand).resolves({
      Invalidation: { Id: 'IOLD', Status: 'Completed', CreateTime: new Date(clock.now() - 3_600_000), InvalidationBatch: undefined },
    });
    const result = await runInvalidation({ ...base, callerReference: 'release-42' }, deps);
    expect(result.invalidationIds).toEqual(['IOLD']);
    expect(result.warnings).toContainEqual(expect.stringContaining('CloudFront returned invalidation IOLD, created at'));
    const warning = logger.entries.find((e) => e.level === 'warning' && e.message.includes('IOLD'));
    expect(warning?.message).toBe(
      `CloudFront returned invalidation IOLD, created at ${new Date(clock.now() - 3_600_000).toISOString()}, before this step started: ` +
        "caller reference 'release-42' was already used with these paths, so CloudFront did not create a new invalidation and nothing was invalidated now. " +
        "Leave 'caller-reference' empty (the default is unique per step) or give a new one.",
    );
  });
});

describe('runInvalidation: create and wait', () => {
  it('waits through InProgress to Completed, backing off 5s -> 30s and printing each status change', async () => {
    cfMock.on(CreateInvalidationCommand).resolves(created('I1'));
    cfMock
      .on(GetInvalidationCommand)
      .resolvesOnce(got('I1', 'InProgress'))
      .resolvesOnce(got('I1', 'InProgress'))
      .resolvesOnce(got('I1', 'InProgress'))
      .resolvesOnce(got('I1', 'InProgress'))
      .resolves(got('I1', 'Completed'));
    const { deps, logger, clock } = setup();
    const result = await runInvalidation(base, deps);
    expect(result).toMatchObject({
      distributionId: DIST,
      invalidationIds: ['I1'],
      status: 'Completed',
      paths: ['/', '/index.html'],
      timedOut: false,
    });
    expect(clock.sleeps).toEqual([5000, 10_000, 20_000, 30_000, 30_000]);
    expect(cfMock.commandCalls(GetInvalidationCommand)).toHaveLength(5);
    expect(cfMock.commandCalls(GetInvalidationCommand)[0].args[0].input).toEqual({ DistributionId: DIST, Id: 'I1' });
    const text = logger.text();
    expect(text).toMatch(/Created invalidation I1 for 2 paths \(caller reference gha-4242-1-deploy-a1b2c3d4-[0-9a-f]{16}\): InProgress\./);
    expect(text).toContain('Invalidation I1: Completed after 1m35s.');
    expect(text.match(/Invalidation I1: /g)).toHaveLength(1);
    expect(createInputs()[0]).toMatchObject({
      DistributionId: DIST,
      InvalidationBatch: { Paths: { Quantity: 2, Items: ['/', '/index.html'] } },
    });
  });

  it("compares statuses without case: moto's COMPLETED ends the wait at once", async () => {
    cfMock.on(CreateInvalidationCommand).resolves(created('I1', 'COMPLETED'));
    const { deps, clock } = setup();
    const result = await runInvalidation(base, deps);
    expect(result.status).toBe('Completed');
    expect(result.batches[0].status).toBe('Completed');
    expect(cfMock.commandCalls(GetInvalidationCommand)).toHaveLength(0);
    expect(clock.sleeps).toEqual([]);
  });

  it('does not poll with wait: false and reports InProgress', async () => {
    cfMock.on(CreateInvalidationCommand).resolves(created('I1'));
    const { deps, logger } = setup();
    const result = await runInvalidation({ ...base, wait: false }, deps);
    expect(result).toMatchObject({ status: 'InProgress', waited: false, timedOut: false });
    expect(cfMock.commandCalls(GetInvalidationCommand)).toHaveLength(0);
    expect(logger.text()).toContain('Not waiting (wait: false): invalidation I1 is InProgress and completes on its own.');
  });

  it('warns and succeeds at wait-timeout by default, and fails with the result when fail-on-wait-timeout is set', async () => {
    cfMock.on(CreateInvalidationCommand).resolves(created('I1'));
    cfMock.on(GetInvalidationCommand).resolves(got('I1', 'InProgress'));
    const first = setup();
    const result = await runInvalidation({ ...base, waitTimeoutMs: 120_000 }, first.deps);
    expect(result).toMatchObject({ status: 'InProgress', timedOut: true, invalidationIds: ['I1'] });
    expect(first.clock.sleeps.reduce((a, b) => a + b, 0)).toBe(120_000);
    const warning = first.logger.entries.find((e) => e.level === 'warning');
    expect(warning?.message).toBe(
      "Invalidation I1 on distribution E2QWRUHAPOMQZL is still InProgress after wait-timeout (2m). It keeps running on CloudFront and completes on its own; raise 'wait-timeout' to wait longer.",
    );

    const second = setup();
    const failure = await runInvalidation({ ...base, waitTimeoutMs: 120_000, failOnWaitTimeout: true }, second.deps).catch((e) => e);
    expect(failure).toBeInstanceOf(WaitTimeoutError);
    expect(failure).toBeInstanceOf(ActionError);
    expect(failure.message).toMatch(/still InProgress after wait-timeout \(2m\)/);
    expect((failure as WaitTimeoutError).result).toMatchObject({ invalidationIds: ['I1'], status: 'InProgress', timedOut: true });
  });

  it('sends nothing for an empty path list and says so', async () => {
    const { deps, logger } = setup();
    const result = await runInvalidation({ ...base, paths: [] }, deps);
    expect(result).toMatchObject({ status: 'skipped', invalidationIds: [], paths: [], distributionId: DIST });
    expect(cfMock.calls()).toHaveLength(0);
    expect(logger.text()).toContain('No paths to invalidate: nothing changed, so no invalidation was sent to distribution E2QWRUHAPOMQZL.');
    expect(invalidationSummary(result).lines).toEqual(['Nothing changed: no invalidation was sent to distribution E2QWRUHAPOMQZL.']);
  });

  it('fails on a bad path before any AWS call', async () => {
    const { deps } = setup();
    await expect(runInvalidation({ stackName: 'prod', paths: ['/ok', '/a*b'] }, deps)).rejects.toThrow(InputError);
    expect(cfMock.calls()).toHaveLength(0);
    expect(cfnMock.calls()).toHaveLength(0);
  });
});

describe('runInvalidation: retries', () => {
  it('retries TooManyInvalidationsInProgress with backoff and jitter, reusing the same caller reference', async () => {
    cfMock
      .on(CreateInvalidationCommand)
      .rejectsOnce(tooMany())
      .rejectsOnce(tooMany())
      .rejectsOnce(tooMany())
      .resolves(created('I9', 'Completed'));
    const { deps, logger, clock } = setup(() => 0.5);
    const result = await runInvalidation(base, deps);
    expect(result.invalidationIds).toEqual(['I9']);
    const refs = createInputs().map((i) => i.InvalidationBatch?.CallerReference);
    expect(refs).toHaveLength(4);
    expect(new Set(refs).size).toBe(1);
    // Equal jitter: half of 2s, 4s, 8s fixed, half random (0.5 here).
    expect(clock.sleeps).toEqual([1500, 3000, 6000]);
    expect(logger.text()).toContain('TooManyInvalidationsInProgress while creating the invalidation (attempt 1); retrying in 2s.');
  });

  it('spreads retries with jitter: different random draws give different delays', async () => {
    const delays = async (random: () => number) => {
      cfMock.reset();
      cfMock.on(CreateInvalidationCommand).rejectsOnce(tooMany()).resolves(created('I1', 'Completed'));
      const { deps, clock } = setup(random);
      await runInvalidation(base, deps);
      return clock.sleeps;
    };
    expect(await delays(() => 0)).toEqual([1000]);
    expect(await delays(() => 1)).toEqual([2000]);
  });

  it('retries throttling and 5xx on create and on polling', async () => {
    cfMock
      .on(CreateInvalidationCommand)
      .rejectsOnce(awsError('Throttling', 'Rate exceeded', 400))
      .rejectsOnce(awsError('ServiceUnavailable', 'Service Unavailable', 503, 'server'))
      .resolves(created('I1'));
    cfMock
      .on(GetInvalidationCommand)
      .rejectsOnce(awsError('InternalError', 'We encountered an internal error', 500, 'server'))
      .resolves(got('I1', 'Completed'));
    const { deps } = setup();
    const result = await runInvalidation(base, deps);
    expect(result.status).toBe('Completed');
    expect(cfMock.commandCalls(CreateInvalidationCommand)).toHaveLength(3);
    expect(cfMock.commandCalls(GetInvalidationCommand)).toHaveLength(2);
  });

  it('gives up when wait-timeout runs out and says why and what to do', async () => {
    cfMock.on(CreateInvalidationCommand).rejects(tooMany());
    const { deps, clock } = setup();
    const error = await runInvalidation({ ...base, waitTimeoutMs: 5 * 60_000 }, deps).catch((e) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toMatch(
      /^Creating the invalidation on distribution E2QWRUHAPOMQZL failed: CloudFront kept answering TooManyInvalidationsInProgress: other invalidations on distribution E2QWRUHAPOMQZL are using its in-flight limits \(3,000 file paths, 15 wildcard paths\); gave up after \d+ attempts over 5m because wait-timeout \(5m\) ran out\. Wait for the running invalidations, raise 'wait-timeout', or lower 'max-paths'\. Nothing was invalidated\.$/,
    );
    const slept = clock.sleeps.reduce((a, b) => a + b, 0);
    expect(slept).toBeLessThanOrEqual(5 * 60_000);
    expect(slept).toBeGreaterThan(5 * 60_000 - 1000);
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(60_000);
  });

  it('fails at once on any other error with the API message', async () => {
    cfMock
      .on(CreateInvalidationCommand)
      .rejects(new InvalidArgument({ message: 'Your request contains one or more invalid invalidation paths.', ...meta(400) }));
    const { deps } = setup();
    await expect(runInvalidation(base, deps)).rejects.toThrow(
      'Creating the invalidation on distribution E2QWRUHAPOMQZL failed: CloudFront CreateInvalidation failed: InvalidArgument (HTTP 400): Your request contains one or more invalid invalidation paths.; request id req-1. Nothing was invalidated.',
    );
    expect(cfMock.commandCalls(CreateInvalidationCommand)).toHaveLength(1);
  });

  it('names the IAM action on AccessDenied', async () => {
    cfMock.on(CreateInvalidationCommand).rejects(new AccessDenied({ message: 'User is not authorized', ...meta(403) }));
    const { deps } = setup();
    await expect(runInvalidation(base, deps)).rejects.toThrow(
      /Grant the IAM action cloudfront:CreateInvalidation to the role this job assumes/,
    );
  });

  it('says the invalidation keeps running when only polling its status is denied', async () => {
    cfMock.on(CreateInvalidationCommand).resolves(created('I1'));
    cfMock.on(GetInvalidationCommand).rejects(new AccessDenied({ message: 'not authorized', ...meta(403) }));
    const { deps } = setup();
    await expect(runInvalidation(base, deps)).rejects.toThrow(
      /Grant the IAM action cloudfront:GetInvalidation.*Invalidation I1 on distribution E2QWRUHAPOMQZL was created and keeps running; only checking its status failed\. Grant cloudfront:GetInvalidation, or set 'wait: false'\./,
    );
  });
});

describe('runInvalidation: requests that never answer', () => {
  const never = () => new Promise<never>(() => undefined);

  it('abandons a held GetInvalidation and still ends at wait-timeout with InProgress', async () => {
    cfMock.on(CreateInvalidationCommand).resolves(created('I1'));
    cfMock.on(GetInvalidationCommand).callsFake(never);
    const { deps, logger } = setup();
    const result = await runInvalidation({ ...base, waitTimeoutMs: 60_000, requestTimeoutMs: 20 }, deps);
    expect(result).toMatchObject({ status: 'InProgress', timedOut: true, invalidationIds: ['I1'] });
    expect(logger.text()).toMatch(/RequestTimeout while checking invalidation I1 \(attempt 1\); retrying in/);
    expect(logger.entries.filter((e) => e.level === 'warning').map((e) => e.message)).toEqual([
      expect.stringMatching(/^Invalidation I1 on distribution E2QWRUHAPOMQZL is still InProgress after wait-timeout \(1m\)/),
    ]);
  });

  it('abandons a held CreateInvalidation and retries it with the same caller reference', async () => {
    cfMock.on(CreateInvalidationCommand).callsFakeOnce(never).resolves(created('I1', 'Completed'));
    const { deps } = setup();
    const result = await runInvalidation({ ...base, requestTimeoutMs: 20 }, deps);
    expect(result.invalidationIds).toEqual(['I1']);
    const refs = createInputs().map((i) => i.InvalidationBatch?.CallerReference);
    expect(refs).toHaveLength(2);
    expect(refs[1]).toBe(refs[0]);
  });
});

describe('runInvalidation: cancellation', () => {
  it('stops waiting at once and says the invalidation keeps running and what a re-run does', async () => {
    cfMock.on(CreateInvalidationCommand).resolves(created('I7'));
    cfMock.on(GetInvalidationCommand).resolves(got('I7', 'InProgress'));
    const { deps, clock, controller } = setup();
    const sleep = clock.sleep.bind(clock);
    clock.sleep = async (ms, signal) => {
      if (clock.sleeps.length === 2) controller.abort(new CancelledError('the run was cancelled (SIGINT)'));
      return sleep(ms, signal);
    };
    const error = await runInvalidation(base, deps).catch((e) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.message).toBe(
      'The run was cancelled while invalidation I7 on distribution E2QWRUHAPOMQZL was InProgress: CloudFront cannot cancel an invalidation, so it keeps running and completes on its own. Re-running the job starts a new run attempt, which submits a new invalidation (its caller reference includes the attempt and the step); within one step a repeated request never creates a duplicate.',
    );
    expect(cfMock.commandCalls(GetInvalidationCommand)).toHaveLength(2);
  });

  it('stops retrying a create at once and says nothing was created', async () => {
    cfMock.on(CreateInvalidationCommand).rejects(tooMany());
    const { deps, clock, controller } = setup();
    const sleep = clock.sleep.bind(clock);
    clock.sleep = async (ms, signal) => {
      controller.abort(new CancelledError());
      return sleep(ms, signal);
    };
    const error = await runInvalidation(base, deps).catch((e) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.message).toMatch(
      /^The run was cancelled before any invalidation was created on distribution E2QWRUHAPOMQZL\. CloudFront had not accepted the invalidation yet \(it was waiting to retry\)\./,
    );
    expect(cfMock.commandCalls(CreateInvalidationCommand)).toHaveLength(1);
  });
  it('says an interrupted create request may or may not have reached CloudFront, and that later batches were not sent', async () => {
    const { deps, controller } = setup();
    cfMock.on(CreateInvalidationCommand).callsFake(() => {
      controller.abort(new CancelledError('the run was cancelled (SIGINT)'));
      throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    });
    const paths = Array.from({ length: 20 }, (_, i) => `/d${i}/*`);
    const error = await runInvalidation({ ...base, paths, maxPaths: 20 }, deps).catch((e) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.message).toContain(
      'The request creating batch 1 of 2 was interrupted and may or may not have reached CloudFront; later batches were not sent.',
    );
    expect(cfMock.commandCalls(CreateInvalidationCommand)).toHaveLength(1);
  });
});

describe('runInvalidation: planning, batches and stack output', () => {
  it('collapses beyond max-paths, reports coverage and billable paths in the summary', async () => {
    cfMock.on(CreateInvalidationCommand).resolves(created('I1', 'Completed'));
    const paths = ['/', '/index.html', ...Array.from({ length: 20 }, (_, i) => `/docs/page-${i}.html`)];
    const { deps, logger } = setup();
    const result = await runInvalidation({ ...base, paths, maxPaths: 15 }, deps);
    expect(result.paths).toEqual(['/', '/docs/*', '/index.html']);
    expect(result).toMatchObject({ inputPathCount: 22, billablePaths: 3, wildcardCount: 1, collapsedInto: ['/docs/*'] });
    expect(logger.text()).toContain('22 distinct paths exceed max-paths (15): sending 3 that cover them all, collapsed into /docs/*.');
    const summary = invalidationSummary(result);
    expect(summary.lines).toEqual([
      'Distribution E2QWRUHAPOMQZL: Completed.',
      '3 paths sent, covering 22 input paths (more than max-paths 15, collapsed into /docs/*).',
      'Billable paths: 3 (1 wildcard, each billed as one path).',
      'Took 0ms.',
    ]);
    expect(summary.table?.rows).toEqual([['I1', 'Completed', '3', result.batches[0].callerReference]]);
    expect(summary.sections?.[0].table?.rows).toEqual([['/'], ['/docs/*'], ['/index.html']]);
  });

  it('warns (titled paths) when a ~ path is widened, and lists at most 50 paths in the summary', async () => {
    cfMock.on(CreateInvalidationCommand).resolves(created('I1', 'Completed'));
    const paths = ['/assets/runtime~main.4f3a.js', ...Array.from({ length: 60 }, (_, i) => `/p${i}.html`)];
    const { deps, logger } = setup();
    const result = await runInvalidation({ ...base, paths, maxPaths: 100 }, deps);
    expect(result.paths).toContain('/assets/runtime*');
    expect(logger.entries.filter((e) => e.level === 'warning').map((e) => [e.properties?.title, e.message])).toEqual([
      ['paths', expect.stringContaining("invalidating '/assets/runtime*' instead")],
    ]);
    const section = invalidationSummary(result).sections?.[0];
    expect(section?.lines).toEqual(['First 50 of 61.']);
    expect(section?.table?.rows).toHaveLength(50);
  });

  it('submits batches one after the other with distinct caller references and waits for all', async () => {
    cfMock.on(CreateInvalidationCommand).resolvesOnce(created('IA')).resolvesOnce(created('IB'));
    cfMock.on(GetInvalidationCommand, { Id: 'IA' }).resolves(got('IA', 'Completed'));
    cfMock.on(GetInvalidationCommand, { Id: 'IB' }).resolvesOnce(got('IB', 'InProgress')).resolves(got('IB', 'Completed'));
    const paths = Array.from({ length: 20 }, (_, i) => `/d${i}/*`);
    const { deps } = setup();
    const result = await runInvalidation({ ...base, paths, maxPaths: 20 }, deps);
    expect(result.invalidationIds).toEqual(['IA', 'IB']);
    expect(result.status).toBe('Completed');
    const inputs = createInputs();
    expect(inputs.map((i) => i.InvalidationBatch?.Paths?.Quantity)).toEqual([15, 5]);
    expect(inputs[0].InvalidationBatch?.CallerReference).toMatch(/^gha-4242-1-deploy-a1b2c3d4-[0-9a-f]{16}-1$/);
    expect(inputs[1].InvalidationBatch?.CallerReference).toMatch(/^gha-4242-1-deploy-a1b2c3d4-[0-9a-f]{16}-2$/);
    expect(cfMock.commandCalls(GetInvalidationCommand, { Id: 'IA' })).toHaveLength(1);
    expect(cfMock.commandCalls(GetInvalidationCommand, { Id: 'IB' })).toHaveLength(2);
  });

  it('names the batches already running when a later batch fails', async () => {
    cfMock
      .on(CreateInvalidationCommand)
      .resolvesOnce(created('IA'))
      .rejects(new InvalidArgument({ message: 'bad', ...meta(400) }));
    const paths = Array.from({ length: 20 }, (_, i) => `/d${i}/*`);
    const { deps } = setup();
    await expect(runInvalidation({ ...base, paths, maxPaths: 20 }, deps)).rejects.toThrow(
      /^Creating batch 2 of 2 on distribution E2QWRUHAPOMQZL failed: .*InvalidArgument.* Already created on CloudFront and not affected: IA\.$/,
    );
  });

  it('explains a reused caller-reference', async () => {
    cfMock
      .on(CreateInvalidationCommand)
      .rejects(awsError('InvalidationBatchAlreadyExists', 'Invalidation batch specified already exists', 409));
    const { deps } = setup();
    await expect(runInvalidation({ ...base, callerReference: 'fixed' }, deps)).rejects.toThrow(
      /The caller reference was already used for a different set of paths: leave 'caller-reference' empty/,
    );
    expect(createInputs()[0].InvalidationBatch?.CallerReference).toBe('fixed');
  });

  it('reads the distribution id from a stack output (scripted; the moto test covers the real API)', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'prod',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [{ OutputKey: 'DistributionId', OutputValue: DIST }],
        },
      ],
    });
    cfMock.on(CreateInvalidationCommand).resolves(created('I1', 'Completed'));
    const { deps, logger } = setup();
    const result = await runInvalidation({ stackName: 'prod', paths: ['/'] }, deps);
    expect(result.distributionId).toBe(DIST);
    expect(createInputs()[0].DistributionId).toBe(DIST);
    expect(logger.text()).toContain("Distribution E2QWRUHAPOMQZL (output 'DistributionId' of stack prod).");
  });
});
