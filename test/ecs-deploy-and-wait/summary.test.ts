import { describe, expect, it } from '@jest/globals';
import { buildSummary, failureMessage, worstVerdict, type DeployResult, type ServiceResult } from '@allthrive/ecs-deploy-and-wait';
import { wholeDeploySummary } from '@allthrive/deploy';

const arn = (x: string) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/${x}`;
const entry = (status: ServiceResult['status'], reason: string, durationSeconds = 95): ServiceResult => ({
  status,
  deploymentId: 'ecs-svc/1',
  taskDefinitionArn: arn('web:8'),
  previousTaskDefinitionArn: arn('web:7'),
  runningCount: 2,
  desiredCount: 2,
  durationSeconds,
  reason,
});

describe('verdict and summary', () => {
  it('takes the worst service status as the step result (superseded counts as failed)', () => {
    expect(worstVerdict(['success', 'success'])).toBe('success');
    expect(worstVerdict(['success', 'rolled-back'])).toBe('rolled-back');
    expect(worstVerdict(['rolled-back', 'timed-out', 'success'])).toBe('timed-out');
    expect(worstVerdict(['timed-out', 'superseded'])).toBe('failed');
    expect(worstVerdict(['failed', 'timed-out'])).toBe('failed');
    expect(worstVerdict(['started', 'started'])).toBe('started');
  });

  it('writes one summary row per service: revision, result, duration, reason; the image once above', () => {
    const result: DeployResult = {
      result: 'failed',
      image: 'repo@sha256:abc',
      services: { web: entry('failed', 'circuit breaker'), celery: entry('success', 'completed', 0) },
      taskDefinitionArns: { web: arn('web:8'), celery: arn('web:8') },
    };
    const report = buildSummary(result, { cluster: 'production-allthrive-cluster' });
    expect(report.title).toBe('ECS deploy to production-allthrive-cluster: failed');
    expect(report.lines).toEqual(['1 of 2 services deployed successfully.', 'Image: repo@sha256:abc']);
    expect(report.table!.header).toEqual(['Service', 'Task definition', 'Result', 'Duration', 'Reason']);
    expect(report.table!.rows).toEqual([
      ['web', 'web:8 (was web:7)', 'failed', '1m35s', 'circuit breaker'],
      ['celery', 'web:8 (was web:7)', 'success', '<1s', 'completed'],
    ]);
    expect(failureMessage(result)).toBe(
      '1 of 2 services did not deploy: web failed (circuit breaker). The service events and stopped-task reasons above show why; task definitions were not deregistered.',
    );
  });

  it('the step and the root action show the last lines of the first crashed task of a service that did not deploy, and none on success', () => {
    const excerpt = {
      taskId: 'abc',
      container: 'web',
      exitCode: 1,
      stoppedReason: 'Essential container in task exited',
      lines: ['boot', 'ImproperlyConfigured'],
    };
    const result: DeployResult = {
      result: 'failed',
      image: '',
      services: { web: entry('success', 'completed'), celery: entry('failed', 'circuit breaker') },
      taskDefinitionArns: {},
      logs: [
        { service: 'web', ...excerpt, taskId: 'early' },
        { service: 'celery', ...excerpt },
      ],
    };
    const section = {
      heading: 'Last 2 log lines of celery task abc (container web, exit code 1: Essential container in task exited)',
      lines: ['boot', 'ImproperlyConfigured'],
    };
    expect(buildSummary(result, { cluster: 'c' }).sections).toEqual([section]);
    const whole = wholeDeploySummary({ result: 'failed', parts: [], productionState: 'backend failed', backend: result });
    expect(whole.sections).toEqual([section]);
    const ok = {
      ...result,
      result: 'success' as const,
      services: { web: entry('success', 'completed') },
      logs: [{ service: 'web', ...excerpt }],
    };
    expect(buildSummary(ok, { cluster: 'c' }).sections).toBeUndefined();
  });
});
