import { describe, expect, it } from '@jest/globals';
import { ACT_TEST_SECRETS, parseActLog, runAct } from '../harness/act.js';

describe('act harness (host mode)', () => {
  it('runs a node24 action from allthrive/actions@v1 offline and passes its outputs to the next step', async () => {
    const run = await runAct({
      workflow: 'test/workflows/act-harness-probe.yml',
      files: { 'site/index.html': '<h1>hi</h1>' },
      env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
      secrets: { AWS_SECRET_ACCESS_KEY: ACT_TEST_SECRETS.AWS_SECRET_ACCESS_KEY },
      vars: { WHO: 'act' },
    });
    try {
      expect(run.exitCode).toBe(0);
      expect(run.jobs).toEqual({ probe: 'success' });
      const hello = run.step('hello');
      expect(hello.result).toBe('success');
      expect(hello.outputs.greeting).toBe('hello act');
      // act runs `node` from PATH: the harness puts Node 24 first, as `runs.using: node24` means.
      expect(hello.outputs['node-version']).toMatch(/^v24\./);
      expect(hello.outputs.endpoint).toBe('http://127.0.0.1:9');
      expect(hello.summary).toContain('hello act');
      // The secret reached the action and act masked it in the log.
      expect(hello.log).toContain('secret seen: ***');
      expect(run.log).not.toContain(ACT_TEST_SECRETS.AWS_SECRET_ACCESS_KEY);
      expect(run.step('after').outputs.passed).toBe('hello act');
      // The workspace act ran in holds the files the test wrote.
      expect(run.step('after').outputs.files).toContain('site');
      // `if: ${{ !env.ACT }}` skips GitHub-only steps under act.
      expect(run.steps.map((s) => s.id)).not.toContain('never');
    } finally {
      run.cleanup();
    }
  });

  it('reports a failing action: job result, step result and its ::error annotation', async () => {
    const run = await runAct({ workflow: 'test/workflows/act-harness-probe.yml', vars: { WHO: 'fail' } });
    try {
      expect(run.exitCode).not.toBe(0);
      expect(run.jobs.probe).toBe('failure');
      expect(run.step('hello').result).toBe('failure');
      expect(run.errors).toEqual([{ level: 'error', properties: { title: 'who' }, message: 'asked to fail' }]);
      // Later steps do not run after a failure.
      expect(run.steps.map((s) => s.id)).not.toContain('after');
    } finally {
      run.cleanup();
    }
  });

  it('parses outputs only from top-level steps and keeps non-JSON lines in the transcript', () => {
    const log = [
      'plain line',
      JSON.stringify({ jobID: 'j', stepID: ['a'], step: 'A', command: 'set-output', name: 'x', arg: '1' }),
      JSON.stringify({ jobID: 'j', stepID: ['a', '0'], step: 'inner', command: 'set-output', name: 'x', arg: 'inner' }),
      JSON.stringify({ jobID: 'j', stepID: ['a'], stage: 'Main', stepResult: 'success', msg: 'ok' }),
      JSON.stringify({ jobID: 'j', jobResult: 'success', msg: 'done' }),
    ].join('\n');
    const parsed = parseActLog(log);
    expect(parsed.step('a').outputs).toEqual({ x: '1' });
    expect(parsed.step('a').result).toBe('success');
    expect(parsed.jobs).toEqual({ j: 'success' });
    expect(parsed.log).toContain('plain line');
    expect(() => parsed.step('missing')).toThrow(/steps seen: j: a \(A\)/);
  });

  it('keeps the steps of each job apart (a build job and a deploy job, a reusable workflow called twice)', () => {
    const log = [
      JSON.stringify({
        jobID: 'deploy',
        job: 'staging/reusable/deploy',
        stepID: ['state'],
        command: 'set-output',
        name: 'x',
        arg: 'staging',
      }),
      JSON.stringify({
        jobID: 'deploy',
        job: 'production/reusable/deploy',
        stepID: ['state'],
        command: 'set-output',
        name: 'x',
        arg: 'prod',
      }),
      JSON.stringify({ jobID: 'build', job: 'staging/reusable/build', stepID: ['state'], command: 'set-output', name: 'x', arg: 'build' }),
    ].join('\n');
    const parsed = parseActLog(log);
    expect(parsed.steps.map((s) => `${s.jobPath} ${s.outputs.x}`)).toEqual([
      'staging/reusable/deploy staging',
      'production/reusable/deploy prod',
      'staging/reusable/build build',
    ]);
    expect(parsed.step('state', 'build').outputs.x).toBe('build');
    expect(parsed.step('state', 'production/reusable/deploy').outputs.x).toBe('prod');
    expect(() => parsed.step('state', 'deploy')).toThrow(
      /ran in several jobs \(staging\/reusable\/deploy, production\/reusable\/deploy\): name the job/,
    );
  });
});
