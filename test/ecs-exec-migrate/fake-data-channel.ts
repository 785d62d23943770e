import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  MARKER_PREFIX,
  MessageType,
  PayloadType,
  decodeMessage,
  encodeAcknowledge,
  encodeMessage,
  type DecodedMessage,
} from '@allthrive/ecs-exec-migrate';

/**
 * TEST-ONLY: a fake Session Manager data channel (MGS + agent) on loopback, speaking the real
 * binary protocol over a `ws` WebSocketServer. It checks the client's open frame and every client
 * frame strictly (digest, created date), acknowledges input frames, resends unacknowledged output
 * frames, and injects the faults a real session shows: 1,024-byte chunks cutting lines and UTF-8
 * characters, duplicated and reordered frames, a frame with a bad digest, paused publication,
 * and every way a session can end.
 */
export interface SessionScript {
  token: string;
  /** Output the "agent" sends, given the nonce of the command's marker (fixed output mode). */
  output?: (nonce: string) => Buffer | string;
  /** Run the ExecuteCommand command for real (shlex-split, as the agent does) and stream its output. */
  shell?: boolean;
  chunkSize?: number;
  /** Sequence numbers sent twice. */
  duplicate?: number[];
  /** Sequence numbers sent after their successor (the pair is swapped). */
  swapWithNext?: number[];
  /** Sequence numbers whose first transmission carries a corrupted digest. */
  badDigest?: number[];
  /** Output frames of other payload types sent first (a handshake request, for example). */
  prelude?: { payloadType: number; payload: string }[];
  /** Send pause_publication after this output frame (-1: before the first), start_publication `pauseMs` later. */
  pauseAfter?: number;
  pauseMs?: number;
  /** How the session ends once all output is acknowledged. */
  end?: 'channel_closed' | 'abrupt' | 'never';
  /** The `Output` of channel_closed. */
  closedOutput?: string;
  /** Leave the first N client input frames unacknowledged (the client must resend). */
  ignoreFirstInputs?: number;
  /** End the session only after a client input frame (the terminal size) was received and acknowledged. */
  awaitInput?: boolean;
  /** Resend unacknowledged output frames after this long. */
  resendMs?: number;
  /**
   * The ECS Exec idle timeout (20 minutes in AWS, scaled down here): with no stream data in either
   * direction for this long, the session ends with Session Manager's inactivity message and the
   * agent kills the command (amazon-ssm-agent agent/session/shell/shell.go, the cancelled branch).
   * Stream data counts, WebSocket pings do not: the plugin pings every 5 minutes and sessions still
   * time out, and both sides switched their smux keep-alive off because it "breaks Session Manager
   * idle timeout" (session-manager-plugin src/sessionmanagerplugin/session/portsession/muxportforwarding.go,
   * amazon-ssm-agent agent/session/plugins/port/port_mux.go).
   */
  idleTimeoutMs?: number;
}

/** Session Manager's message when the idle timeout ends a session (tedsmitt/ecsgo#19). */
export const IDLE_TIMEOUT_OUTPUT = 'Your session timed out due to inactivity and has been terminated.';

export interface SessionRecord {
  sessionId: string;
  command: string;
  nonce: string;
  openFrame?: Record<string, unknown>;
  rejected?: string;
  /** Every valid client frame, in arrival order. */
  clientFrames: DecodedMessage[];
  /** Client frames that broke the protocol (bad digest, zero date, ...). */
  violations: string[];
  /** Output sequence numbers the client acknowledged (with repeats). */
  acked: number[];
  /** Output frames (re)sent, by sequence number. */
  sent: number[];
  /** Client input frames that arrived while publication was paused. */
  inputsWhilePaused: number;
  ctrlC: boolean;
  /** The client sent the TerminateSession flag (the shell plugin ignores it: only port plugins handle it). */
  terminated: boolean;
  /** Terminal-size input frames received (the keep-alive). */
  sizeFrames: number;
  ended?: string;
  exitCode?: number | null;
}

export interface FakeDataChannel {
  /** Registers a session for the command ExecuteCommand received; returns its session object. */
  createSession(command: string, script: SessionScript): { sessionId: string; streamUrl: string; tokenValue: string };
  sessions: SessionRecord[];
  close(): Promise<void>;
}

/** The nonce inside a wrapped command. */
export function nonceOf(command: string): string {
  const match = /__ECS_EXEC_MIGRATE_%s_RC=%s__\\n'"'"' '"'"'([0-9a-f]+)'"'"'/.exec(command);
  return match?.[1] ?? '';
}

/** google/shlex word splitting, as the SSM agent applies it to the ECS Exec command. */
export function shlexSplit(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\') word += text[++i] ?? '';
      else word += c;
    } else if (/[ \t\r\n]/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'" || c === '"') {
      word ??= '';
      quote = c;
    } else if (c === '\\') {
      word = (word ?? '') + (text[++i] ?? '');
    } else if (c === '#' && word === undefined) {
      break;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

export async function startFakeDataChannel(): Promise<FakeDataChannel> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const scripts = new Map<string, { script: SessionScript; record: SessionRecord }>();
  const sessions: SessionRecord[] = [];
  const children = new Set<ChildProcess>();

  server.on('connection', (socket, request) => {
    const sessionId = decodeURIComponent((request.url ?? '').split('?')[0].split('/').pop() ?? '');
    const entry = scripts.get(sessionId);
    if (!entry) return socket.close(1008, 'unknown session');
    runSession(socket, entry.script, entry.record, children);
  });

  return {
    sessions,
    createSession(command, script) {
      const sessionId = `ecs-execute-command-${randomUUID().replace(/-/g, '').slice(0, 17)}`;
      const record: SessionRecord = {
        sessionId,
        command,
        nonce: nonceOf(command),
        clientFrames: [],
        violations: [],
        acked: [],
        sent: [],
        inputsWhilePaused: 0,
        ctrlC: false,
        terminated: false,
        sizeFrames: 0,
      };
      scripts.set(sessionId, { script, record });
      sessions.push(record);
      return {
        sessionId,
        streamUrl: `ws://127.0.0.1:${port}/v1/data-channel/${sessionId}?role=publish_subscribe&cell-number=AAAA`,
        tokenValue: script.token,
      };
    },
    async close() {
      for (const child of children) killGroup(child, 'SIGKILL');
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function runSession(socket: WebSocket, script: SessionScript, record: SessionRecord, children: Set<ChildProcess>): void {
  const chunkSize = script.chunkSize ?? 1024;
  const resendMs = script.resendMs ?? 250;
  const frames: Buffer[] = []; // good copies by sequence number
  const unacked = new Map<number, number>(); // seq -> last sent at
  let opened = false;
  let paused = false;
  let producerDone = false;
  let finished = false;
  let inputsIgnored = 0;
  let inputAcked = false;
  let held: number | undefined; // a frame held back to be sent after its successor
  const timers: NodeJS.Timeout[] = [];
  let lastActivity = Date.now();

  const send = (frame: Buffer) => {
    if (socket.readyState === socket.OPEN) socket.send(frame);
  };
  const control = (type: string, payload = Buffer.alloc(0)) => send(encodeMessage({ messageType: type, payload }));

  const transmit = (seq: number, first: boolean) => {
    let frame = frames[seq];
    if (first && script.badDigest?.includes(seq)) {
      frame = Buffer.from(frame);
      frame[80] ^= 0xff;
    }
    record.sent.push(seq);
    if (first) lastActivity = Date.now();
    unacked.set(seq, Date.now());
    send(frame);
    if (first && script.duplicate?.includes(seq)) send(frames[seq]);
    if (first && script.pauseAfter === seq) pause();
  };

  const pause = () => {
    paused = true;
    control(MessageType.PausePublication);
    timers.push(
      setTimeout(() => {
        paused = false;
        control(MessageType.StartPublication);
        finish();
      }, script.pauseMs ?? 300),
    );
  };

  const emit = (payload: Buffer, payloadType: number = PayloadType.Output) => {
    const seq = frames.length;
    frames.push(
      encodeMessage({
        messageType: MessageType.OutputStreamData,
        sequenceNumber: seq,
        flags: seq === 0 ? 1n : 0n,
        payloadType,
        payload,
      }),
    );
    if (held !== undefined) {
      transmit(seq, true);
      transmit(held, true);
      held = undefined;
    } else if (script.swapWithNext?.includes(seq)) {
      held = seq;
    } else transmit(seq, true);
  };

  let pending = Buffer.alloc(0);
  const produce = (bytes: Buffer) => {
    pending = Buffer.concat([pending, bytes]);
    while (pending.length >= chunkSize) {
      emit(pending.subarray(0, chunkSize));
      pending = pending.subarray(chunkSize);
    }
  };
  const flush = () => {
    if (pending.length) emit(pending);
    pending = Buffer.alloc(0);
    if (held !== undefined) {
      transmit(held, true);
      held = undefined;
    }
  };

  /** Sends the agent's channel_closed message (with `output`, as the agent does) and closes the socket. */
  const closeChannel = (output: string) => {
    const closed = {
      MessageId: randomUUID(),
      CreatedDate: new Date().toISOString(),
      DestinationId: 'client',
      SessionId: record.sessionId,
      MessageType: 'channel_closed',
      SchemaVersion: 1,
      Output: output,
    };
    control(MessageType.ChannelClosed, Buffer.from(JSON.stringify(closed)));
    setTimeout(() => socket.close(1000), 20);
  };

  const finish = () => {
    if (finished || paused || !producerDone || unacked.size > 0 || script.end === 'never') return;
    if (script.awaitInput && !inputAcked) return;
    finished = true;
    record.ended = script.end ?? 'channel_closed';
    if (script.end === 'abrupt') {
      socket.terminate();
      return;
    }
    closeChannel(script.closedOutput ?? '');
  };

  let child: ChildProcess | undefined;
  const start = () => {
    if (script.pauseAfter === -1) pause();
    for (const frame of script.prelude ?? []) emit(Buffer.from(frame.payload), frame.payloadType);
    if (script.shell) {
      const argv = shlexSplit(record.command);
      // Its own process group, like a PTY session: Ctrl-C and the final kill reach every process in it.
      child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      children.add(child);
      // A PTY merges stderr into stdout and turns LF into CR LF.
      const pty = (data: Buffer) => produce(Buffer.from(data.toString('latin1').replace(/\n/g, '\r\n'), 'latin1'));
      child.stdout!.on('data', pty);
      child.stderr!.on('data', pty);
      const flusher = setInterval(flush, 30);
      timers.push(flusher);
      child.on('close', (code, signal) => {
        children.delete(child!);
        record.exitCode = code ?? (signal ? 128 : null);
        clearInterval(flusher);
        flush();
        producerDone = true;
        finish();
      });
    } else {
      const output = script.output?.(record.nonce) ?? '';
      produce(Buffer.isBuffer(output) ? output : Buffer.from(output, 'utf8'));
      flush();
      producerDone = true;
      finish();
    }
  };

  if (script.idleTimeoutMs !== undefined) {
    const idleTimeoutMs = script.idleTimeoutMs;
    const watchdog = setInterval(() => {
      if (finished || !opened || Date.now() - lastActivity <= idleTimeoutMs) return;
      finished = true;
      record.ended = 'idle-timeout';
      killGroup(child, 'SIGKILL');
      closeChannel(IDLE_TIMEOUT_OUTPUT);
    }, 20);
    timers.push(watchdog);
  }

  const resender = setInterval(() => {
    const now = Date.now();
    for (const [seq, at] of unacked) if (now - at > resendMs) transmit(seq, false);
  }, 50);
  timers.push(resender);

  socket.on('message', (data, isBinary) => {
    if (!opened) {
      if (isBinary) {
        record.rejected = 'the first frame was binary';
        return socket.close(1008, 'expected the open-data-channel text frame');
      }
      let open: Record<string, unknown>;
      try {
        open = JSON.parse(String(data));
      } catch {
        record.rejected = 'the open frame is not JSON';
        return socket.close(1008, 'bad open frame');
      }
      record.openFrame = open;
      if (open.MessageSchemaVersion !== '1.0' || open.TokenValue !== script.token || !open.RequestId || !open.ClientId) {
        record.rejected = 'bad open frame';
        return socket.close(1008, 'bad token');
      }
      opened = true;
      start();
      return;
    }
    if (!isBinary) {
      record.violations.push('a text frame after the open frame');
      return;
    }
    let message: DecodedMessage;
    try {
      message = decodeMessage(data as Buffer);
    } catch (error) {
      record.violations.push(`malformed frame: ${(error as Error).message}`);
      return;
    }
    if (!message.digestValid) record.violations.push(`bad digest on ${message.messageType} seq ${message.sequenceNumber}`);
    if (message.createdDate === 0) record.violations.push(`zero created date on ${message.messageType}`);
    record.clientFrames.push(message);
    if (message.messageType === MessageType.Acknowledge) {
      const seq = Number(JSON.parse(message.payload.toString()).AcknowledgedMessageSequenceNumber);
      record.acked.push(seq);
      unacked.delete(seq);
      finish();
      return;
    }
    if (message.messageType === MessageType.InputStreamData) {
      lastActivity = Date.now();
      if (message.payloadType === PayloadType.Size) record.sizeFrames += 1;
      if (paused) record.inputsWhilePaused += 1;
      if (inputsIgnored < (script.ignoreFirstInputs ?? 0)) {
        inputsIgnored += 1;
        return;
      }
      send(encodeAcknowledge(message));
      inputAcked = true;
      finish();
      if (message.payloadType === PayloadType.Output && message.payload.includes(0x03)) {
        record.ctrlC = true;
        killGroup(child, 'SIGINT');
      }
      // The shell plugin's InputStreamMessageHandler handles only Output and Size payloads; the
      // TerminateSession flag is acted on by the port plugins alone (amazon-ssm-agent
      // agent/session/shell/shell_unix.go), so it is recorded and changes nothing.
      if (message.payloadType === PayloadType.Flag && message.payload.readUInt32BE(0) === 2) record.terminated = true;
    }
  });
  socket.on('close', () => {
    for (const timer of timers) clearInterval(timer);
    killGroup(child, 'SIGKILL');
  });
}

function killGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Output as a Django migrate run prints it through a PTY, padded past several 1,024-byte chunks. */
export function djangoOutput(nonce: string, exitCode: number, options: { marker?: boolean } = {}): string {
  const lines = [
    '\x1b[36;1mOperations to perform:\x1b[0m',
    '\x1b[1m  Apply all migrations: \x1b[0madmin, auth, contenttypes, sessions, core',
    '\x1b[36;1mRunning migrations:\x1b[0m',
  ];
  for (let i = 1; i <= 90; i++)
    lines.push(`  Applying core.${String(i).padStart(4, '0')}_schéma_ünïcode_✓_migration... \x1b[32;1mOK\x1b[0m`);
  lines.push('Seeded 3 plans → 🚀 done');
  let text = lines.join('\r\n') + '\r\n';
  if (options.marker !== false) text += `\r\n${MARKER_PREFIX}${nonce}_RC=${exitCode}__\r\n`;
  return text;
}
