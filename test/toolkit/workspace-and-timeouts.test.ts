import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { Inputs, createAwsClient, deadlineSignal, mapInputSource } from '@allthrive/toolkit';

describe('workspacePath', () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'workspace-'));
  mkdirSync(path.join(workspace, 'frontend', 'dist'), { recursive: true });
  const outside = mkdtempSync(path.join(tmpdir(), 'outside-'));
  symlinkSync(outside, path.join(workspace, 'escape'));
  const read = (value: string | undefined) =>
    new Inputs(mapInputSource({ source: value })).workspacePath('source', { default: 'dist', workspace });

  it('resolves relative paths and the default inside the workspace', () => {
    expect(read('frontend/dist')).toBe(path.join(workspace, 'frontend', 'dist'));
    expect(read('./frontend/../frontend/dist/')).toBe(path.join(workspace, 'frontend', 'dist'));
    expect(read(undefined)).toBe(path.join(workspace, 'dist'));
    expect(read(path.join(workspace, 'frontend'))).toBe(path.join(workspace, 'frontend'));
  });

  it.each([['../private'], ['/etc'], ['frontend/../../x'], ['escape'], ['escape/sub']])(
    'refuses %s, which resolves outside the workspace',
    (value) => {
      expect(() => read(value)).toThrow(
        new RegExp(
          `^Input 'source' has the value '${value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}', which is not accepted: expected a path inside the workspace`,
        ),
      );
    },
  );
});

describe('request deadlines', () => {
  it('abandons a request the service never answers (requestTimeoutMs) instead of hanging', async () => {
    const held = createServer(() => undefined); // accepts the request, never answers
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    const port = (held.address() as { port: number }).port;
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'testing';
    process.env.AWS_SECRET_ACCESS_KEY = 'testing';
    try {
      const ecs = createAwsClient(ECSClient, 'ECS', {
        region: 'us-east-1',
        endpointUrl: `http://127.0.0.1:${port}`,
        maxAttempts: 1,
        requestTimeoutMs: 300,
      });
      await expect(ecs.send(new ListClustersCommand({}))).rejects.toMatchObject({ name: 'TimeoutError' });
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      held.closeAllConnections();
      held.close();
    }
  });

  it('deadlineSignal aborts at the deadline or with the parent signal', async () => {
    const parent = new AbortController();
    const early = deadlineSignal(60_000, parent.signal);
    parent.abort(new Error('cancelled'));
    expect(early.aborted).toBe(true);
    const late = deadlineSignal(20);
    await new Promise((r) => setTimeout(r, 60));
    expect(late.aborted).toBe(true);
  });
});
