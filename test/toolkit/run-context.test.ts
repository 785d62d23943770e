import { describe, expect, it } from '@jest/globals';
import { readRunContext } from '@allthrive/toolkit';

describe('readRunContext', () => {
  it('reads the run, the attempt and the job the runner sets', () => {
    expect(readRunContext({ GITHUB_RUN_ID: '16123456789', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'deploy' })).toEqual({
      runId: '16123456789',
      runAttempt: '2',
      job: 'deploy',
    });
  });

  it('leaves out what is missing or not a number (outside a runner), as @actions/github’s context does', () => {
    expect(readRunContext({ GITHUB_RUN_ID: '', GITHUB_RUN_ATTEMPT: 'x' })).toEqual({
      runId: undefined,
      runAttempt: undefined,
      job: undefined,
    });
  });
});
