import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ActionError, memoryLogger, virtualClock, type MemoryLogger } from '@allthrive/toolkit';
import { MigrationError, PayloadType, runMigration, type MigrationOptions } from '@allthrive/ecs-exec-migrate';
import { djangoOutput, type FakeDataChannel } from './fake-data-channel.js';
import {
  FakeAwsError,
  clearExecFakes,
  clientsFor,
  migrationOptions,
  shellState,
  startExecFakes,
  stopExecFakes,
  taskArn,
  type ExecState,
  remoteLinesTo,
} from './exec-fixtures.js';
import type { FakeAwsEndpoint } from '../harness/fake-aws.js';

const TOKEN = 'AAEAAS3cr3tT0k3nValue-never-in-logs==';

let channel: FakeDataChannel;
let aws: FakeAwsEndpoint;
let state: ExecState;

beforeAll(async () => {
  ({ channel, aws } = await startExecFakes(() => state));
});
afterAll(() => stopExecFakes({ channel, aws }));
beforeEach(() => {
  state = shellState(TOKEN);
  clearExecFakes({ channel, aws });
});

/** A memory logger that also records the order in which secrets were registered. */
function orderedLogger(): MemoryLogger & { order: string[] } {
  const log = memoryLogger();
  const order: string[] = [];
  return {
    ...log,
    order,
    info: (m) => {
      order.push(`info:${m}`);
      log.info(m);
    },
    debug: (m) => {
      order.push(`debug:${m}`);
      log.debug(m);
    },
    secret: (v) => {
      order.push(`secret:${v}`);
      log.secret(v);
    },
  };
}

const options = migrationOptions;

async function run(overrides: Partial<MigrationOptions> = {}, signal: AbortSignal = new AbortController().signal) {
  const logger = orderedLogger();
  const { ecs, logs } = clientsFor(aws);
  const outcome = await runMigration(options(overrides), {
    ecs,
    logs,
    logger,
    clock: virtualClock(),
    signal,
    writeCommand: remoteLinesTo(logger),
  }).then(
    (result) => ({ result, error: undefined }),
    (error: Error) => ({ result: undefined, error }),
  );
  ecs.destroy();
  logs.destroy();
  const everything = logger.entries.map((e) => e.message).join('\n');
  return { ...outcome, logger, everything };
}

describe('exec mode, end to end through the fake data channel (a real /bin/sh runs the command)', () => {
  it.each([
    [0, 'echo "Applying core.0001_initial... OK"; exit 0'],
    [1, 'echo "django.db.utils.OperationalError: could not connect" >&2; exit 1'],
    [3, 'echo partial; exit 3'],
    [137, `echo "about to be killed"; sh -c 'kill -9 $$'`],
  ])('propagates exit code %i and never logs the marker', async (code, command) => {
    const { result, error, logger, everything } = await run({ command });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ exitCode: code, mode: 'exec', taskArn: taskArn('a'.repeat(32)) });
    expect(result!.sessionId).toBe(channel.sessions[0].sessionId);
    expect(channel.sessions[0].exitCode).toBe(code); // the real shell exited so
    expect(everything).not.toContain('__ECS_EXEC_MIGRATE_');
    expect(everything).not.toContain(channel.sessions[0].nonce);
    expect(logger.text()).toContain(code === 137 ? 'about to be killed' : code === 1 ? 'could not connect' : code === 3 ? 'partial' : 'OK');
    expect(channel.sessions[0].violations).toEqual([]);
  });

  it('masks the session token before logging anything after ExecuteCommand, and never prints it', async () => {
    const { result, logger, everything } = await run({ command: 'echo hi' });
    expect(result?.exitCode).toBe(0);
    const secretAt = logger.order.indexOf(`secret:${TOKEN}`);
    const sessionAt = logger.order.findIndex((e) => e.includes('Session ecs-execute-command-'));
    expect(secretAt).toBeGreaterThanOrEqual(0);
    expect(secretAt).toBeLessThan(sessionAt);
    expect(everything).not.toContain(TOKEN);
  });

  it('runs the command under /bin/sh -c: &&, variables, quotes and a trailing comment work', async () => {
    const { result, logger } = await run({ command: `export GREETING="it's" && echo "$GREETING fine" # trailing comment` });
    expect(result?.exitCode).toBe(0);
    expect(logger.text()).toContain("it's fine");
    expect(aws.requests.find((r) => r.operation === 'ExecuteCommand')?.body).toMatchObject({
      cluster: 'production-allthrive-cluster',
      task: taskArn('a'.repeat(32)),
      container: 'web',
      interactive: true,
    });
  });

  it('streams output longer than many 1,024-byte chunks line by line, whole UTF-8, no CR', async () => {
    const { result, logger } = await run({ command: `i=0; while [ $i -lt 300 ]; do echo "ligne $i ✓ café"; i=$((i+1)); done` });
    expect(result?.exitCode).toBe(0);
    const lines = logger.entries.filter((e) => e.level === 'info' && e.message.startsWith('ligne ')).map((e) => e.message);
    expect(lines).toHaveLength(300);
    expect(lines[0]).toBe('ligne 0 ✓ café');
    expect(lines[299]).toBe('ligne 299 ✓ café');
    expect(channel.sessions[0].sent.length).toBeGreaterThan(5);
  });
});

describe('exec mode: data-channel faults', () => {
  const expected = (nonce: string) =>
    djangoOutput(nonce, 0, { marker: false })
      .split('\r\n')
      .filter(Boolean)
      .map((line) => stripVTControlCharacters(line));

  it('reassembles duplicated, reordered and bad-digest frames in 1,024-byte chunks into the exact output', async () => {
    state.script = {
      token: TOKEN,
      output: (nonce) => djangoOutput(nonce, 3),
      duplicate: [1, 3],
      swapWithNext: [2],
      badDigest: [4],
    };
    const { result, logger } = await run();
    expect(result?.exitCode).toBe(3);
    const session = channel.sessions[0];
    const shown = logger.entries.filter((e) => e.level === 'info').map((e) => e.message);
    const start = shown.findIndex((l) => l === 'Operations to perform:');
    expect(shown.slice(start, start + expected(session.nonce).length)).toEqual(expected(session.nonce));
    expect(shown.some((l) => l.includes('\r') || l.includes('\u001b'))).toBe(false);
    // the bad-digest frame was resent because the client did not acknowledge it
    expect(session.sent.filter((s) => s === 4).length).toBeGreaterThanOrEqual(2);
    // duplicates are acknowledged again
    expect(session.acked.filter((s) => s === 1).length).toBeGreaterThanOrEqual(2);
    const frames = session.sent.length;
    expect(new Set(session.acked).size).toBe(new Set(session.sent).size);
    expect(frames).toBeGreaterThanOrEqual(5);
    expect(session.violations).toEqual([]);
  });

  it('sends nothing while publication is paused, and resumes on start_publication', async () => {
    state.script = { token: TOKEN, output: (nonce) => djangoOutput(nonce, 0), pauseAfter: -1, pauseMs: 300, awaitInput: true };
    const { result } = await run();
    expect(result?.exitCode).toBe(0);
    const session = channel.sessions[0];
    expect(session.inputsWhilePaused).toBe(0);
    // the terminal size frame was still delivered once publication resumed
    expect(session.clientFrames.some((f) => f.messageType === 'input_stream_data' && f.payloadType === PayloadType.Size)).toBe(true);
  });

  it('resends its own frames until they are acknowledged', async () => {
    state.script = { token: TOKEN, output: (nonce) => djangoOutput(nonce, 0), ignoreFirstInputs: 2, awaitInput: true };
    const { result } = await run();
    expect(result?.exitCode).toBe(0);
    const sizeFrames = channel.sessions[0].clientFrames.filter((f) => f.messageType === 'input_stream_data' && f.sequenceNumber === 0);
    expect(sizeFrames.length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(sizeFrames[0].payload.toString())).toEqual({ cols: 200, rows: 50 });
  });

  it('fails when channel_closed carries an agent error and no marker arrived', async () => {
    state.script = {
      token: TOKEN,
      output: () => '',
      closedOutput: 'Unable to start command: Failed to start pty: fork/exec /bin/sh: no such file or directory',
    };
    const { error } = await run();
    expect(error).toBeInstanceOf(MigrationError);
    expect(error!.message).toContain('Failed to start pty: fork/exec /bin/sh');
    expect(error!.message).toMatch(/outcome is unknown/);
    expect(error!.message).toMatch(/not started again/);
    expect((error as MigrationError).partial).toMatchObject({ mode: 'exec', taskArn: taskArn('a'.repeat(32)) });
    expect(aws.count('ExecuteCommand')).toBe(1);
  });

  it('fails when channel_closed comes without a message and without the marker', async () => {
    state.script = { token: TOKEN, output: (nonce) => djangoOutput(nonce, 0, { marker: false }) };
    const { error, logger } = await run();
    expect(error?.message).toMatch(/closed the channel without a message/);
    expect(logger.text()).toContain('Running migrations:');
  });

  it('fails when the socket drops without channel_closed', async () => {
    state.script = { token: TOKEN, output: (nonce) => djangoOutput(nonce, 0, { marker: false }), end: 'abrupt' };
    const { error } = await run();
    expect(error?.message).toMatch(/WebSocket closed without channel_closed/);
    expect(aws.count('ExecuteCommand')).toBe(1);
  });

  it('does not accept a marker with another nonce', async () => {
    state.script = { token: TOKEN, output: () => `\r\n__ECS_EXEC_MIGRATE_000000000000000000000000_RC=0__\r\n` };
    const { error, logger } = await run();
    expect(error?.message).toMatch(/outcome is unknown/);
    expect(logger.text()).toContain('__ECS_EXEC_MIGRATE_000000000000000000000000_RC=0__');
  });

  it('fails fast on a KMS-encrypted session, saying what to do', async () => {
    const handshake = {
      AgentVersion: '3.3.0',
      RequestedClientActions: [
        { ActionType: 'SessionType', ActionParameters: { SessionType: 'InteractiveCommands' } },
        { ActionType: 'KMSEncryption', ActionParameters: { KMSKeyId: 'arn:aws:kms:us-east-1:123456789012:key/x' } },
      ],
    };
    state.script = {
      token: TOKEN,
      prelude: [{ payloadType: PayloadType.HandshakeRequest, payload: JSON.stringify(handshake) }],
      end: 'never',
    };
    const { error } = await run();
    expect(error?.message).toMatch(/KMS key/);
    expect(error?.message).toMatch(/mode: run-task/);
  });

  it('answers a handshake without KMS and carries on', async () => {
    const handshake = { AgentVersion: '3.3.0', RequestedClientActions: [{ ActionType: 'SessionType' }, { ActionType: 'Future' }] };
    state.script = {
      token: TOKEN,
      prelude: [{ payloadType: PayloadType.HandshakeRequest, payload: JSON.stringify(handshake) }],
      output: (nonce) => djangoOutput(nonce, 0),
    };
    const { result } = await run();
    expect(result?.exitCode).toBe(0);
    const response = channel.sessions[0].clientFrames.find((f) => f.payloadType === PayloadType.HandshakeResponse);
    expect(JSON.parse(response!.payload.toString()).ProcessedClientActions).toEqual([
      { ActionType: 'SessionType', ActionStatus: 1, ActionResult: null, Error: '' },
      { ActionType: 'Future', ActionStatus: 3, ActionResult: null, Error: 'Unsupported action Future' },
    ]);
  });
});

describe('exec mode: the command is never started twice', () => {
  it('sends ExecuteCommand once even when it fails with a retryable 5xx', async () => {
    state.execute = () => {
      throw new FakeAwsError('ServerException', 'internal error', 500);
    };
    const { error } = await run();
    expect(error).toBeInstanceOf(ActionError);
    expect(error!.message).toMatch(/ExecuteCommand failed: ServerException/);
    expect(error!.message).toMatch(/not retried/);
    expect(aws.count('ExecuteCommand')).toBe(1);
  });

  it('does not call ExecuteCommand again when the data channel cannot be reached', async () => {
    state.execute = () => ({
      session: { sessionId: 'ecs-execute-command-x', streamUrl: 'ws://127.0.0.1:1/v1/data-channel/x', tokenValue: TOKEN },
    });
    const { error, everything } = await run();
    expect(error?.message).toMatch(/Could not open the session's data channel/);
    expect(error?.message).toMatch(/may still be running/);
    expect(aws.count('ExecuteCommand')).toBe(1);
    expect(everything).not.toContain(TOKEN);
    expect(error!.message).not.toContain(TOKEN);
  });

  it('explains InvalidParameterException (exec not enabled) and TargetNotConnectedException (task role)', async () => {
    state.execute = () => {
      throw new FakeAwsError(
        'InvalidParameterException',
        'The execute command failed because execute command was not enabled when the task was run',
      );
    };
    expect((await run()).error?.message).toMatch(/enable it on the service and force a new deployment/);
    state.execute = () => {
      throw new FakeAwsError('TargetNotConnectedException', 'The execute command failed due to an internal error.');
    };
    expect((await run()).error?.message).toMatch(/ssmmessages:CreateControlChannel/);
  });

  it('a rejected token ends the session as a failure, not a retry', async () => {
    state.execute = (body) => ({ session: { ...channel.createSession(String(body.command), { token: 'other' }), tokenValue: TOKEN } });
    const { error } = await run();
    expect(error?.message).toMatch(/outcome is unknown|data channel/);
    expect(channel.sessions[0].rejected).toBe('bad open frame');
    expect(aws.count('ExecuteCommand')).toBe(1);
  });
});

describe('exec mode: timeout and cancellation', () => {
  it('on timeout sends Ctrl-C, ends the session and says the migration may still be running', async () => {
    state.script = { token: TOKEN, shell: true, end: 'never' };
    const { error } = await run({ command: 'echo started; sleep 30', timeoutMs: 1500 });
    expect(error).toBeInstanceOf(MigrationError);
    expect(error!.message).toMatch(/did not finish within the timeout \(2s\)|did not finish within the timeout/);
    expect(error!.message).toMatch(/may still be running/);
    expect(channel.sessions[0].ctrlC).toBe(true);
    // No TerminateSession flag: the agent's shell plugin ignores it; Ctrl-C is what reaches the command.
    expect(channel.sessions[0].terminated).toBe(false);
  });

  it('on cancellation (SIGINT) sends Ctrl-C and fails', async () => {
    state.script = { token: TOKEN, shell: true, end: 'never' };
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled')), 800);
    const { error } = await run({ command: 'echo started; sleep 30' }, controller.signal);
    expect(error?.message).toMatch(/cancelled: sent Ctrl-C/);
    expect(channel.sessions[0].ctrlC).toBe(true);
  });
});
