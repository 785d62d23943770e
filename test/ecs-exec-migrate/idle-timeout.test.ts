import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { memoryLogger, virtualClock } from '@allthrive/toolkit';
import { runMigration, type MigrationOptions } from '@allthrive/ecs-exec-migrate';
import type { FakeAwsEndpoint } from '../harness/fake-aws.js';
import { IDLE_TIMEOUT_OUTPUT, type FakeDataChannel } from './fake-data-channel.js';
import { clientsFor, startExecFakes, type ExecState, remoteLinesTo } from './exec-fixtures.js';

/**
 * A migration that prints nothing for 25 minutes, against the 20-minute ECS Exec idle timeout, on
 * a scaled clock: 1 minute = 30 ms of real time (the session is real network I/O, so it runs on
 * real timers). The fake Session Manager ends a session after 20 "minutes" without stream data in
 * either direction, with Session Manager's own message, and kills the command.
 */
const MINUTE = 30;
const TOKEN = 'AAEAAidleT0ken==';
let channel: FakeDataChannel;
let aws: FakeAwsEndpoint;
let state: ExecState;

beforeAll(async () => {
  ({ channel, aws } = await startExecFakes(
    () => state,
    () => ({}),
  ));
});
afterAll(async () => {
  await aws.close();
  await channel.close();
});

async function silentFor25Minutes(keepAliveMs: number) {
  state = {
    tasks: [{ id: 'a'.repeat(32) }],
    primaryRevision: 42,
    script: { token: TOKEN, shell: true, idleTimeoutMs: 20 * MINUTE },
  };
  channel.sessions.length = 0;
  const options: MigrationOptions = {
    cluster: 'production-allthrive-cluster',
    service: 'web',
    container: 'web',
    command: `sleep ${(25 * MINUTE) / 1000}; echo 'Applied 0042_big_index'`,
    mode: 'exec',
    timeoutMs: 45 * 60_000,
    subnets: [],
    securityGroups: [],
  };
  const { ecs, logs } = clientsFor(aws);
  const logger = memoryLogger();
  try {
    const result = await runMigration(options, {
      ecs,
      logs,
      logger,
      clock: virtualClock(),
      signal: new AbortController().signal,
      writeCommand: remoteLinesTo(logger),
      keepAliveMs,
    });
    return { result, logger, session: channel.sessions[0] };
  } catch (error) {
    return { error: error as Error, logger, session: channel.sessions[0] };
  } finally {
    ecs.destroy();
    logs.destroy();
  }
}

describe('a migration silent for 25 minutes and the 20-minute ECS Exec idle timeout (scaled clock)', () => {
  it('keeps its session with a terminal-size message every 5 minutes and reports the exit code', async () => {
    const { result, error, logger, session } = await silentFor25Minutes(5 * MINUTE);
    expect(error).toBeUndefined();
    expect(result?.exitCode).toBe(0);
    expect(logger.text()).toContain('Applied 0042_big_index');
    expect(session.ended).toBe('channel_closed');
    expect(session.sizeFrames).toBeGreaterThanOrEqual(4);
  });

  it('without the keep-alive (WebSocket pings only, as before) the session is ended and the outcome is unknown', async () => {
    const { result, error, session } = await silentFor25Minutes(0);
    expect(result).toBeUndefined();
    expect(session.ended).toBe('idle-timeout');
    expect(error?.message).toContain(IDLE_TIMEOUT_OUTPUT);
    expect(error?.message).toMatch(/outcome is unknown/);
    expect(error?.message).toMatch(/use mode: run-task for long, quiet migrations/);
  });
});
