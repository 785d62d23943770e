import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { Logger } from '@allthrive/toolkit';
import {
  FlagValue,
  MessageType,
  PayloadType,
  decodeMessage,
  encodeAcknowledge,
  encodeMessage,
  invalidReason,
  openDataChannelFrame,
  type DecodedMessage,
} from './codec.js';

/**
 * A native client of the SSM Session Manager data channel (what `session-manager-plugin` speaks),
 * over the `ws` library. It needs neither the plugin binary nor a TTY. Hand-written because this is
 * the product's own value: no maintained library implements acknowledgements, ordering,
 * retransmission and session end for Node.
 *
 * Receiving: every `output_stream_data` frame is acknowledged; frames are delivered strictly in
 * sequence order (early frames are buffered, duplicates are dropped and acknowledged again so the
 * agent stops resending); frames whose digest does not match are dropped unacknowledged, so the
 * agent resends them. Sending: our `input_stream_data` frames are numbered from 0 and resent
 * (TCP-style timeout, 200 ms to 1 s) until acknowledged; nothing is sent while the service has
 * paused publication.
 */

export type WebSocketFactory = (url: string) => WebSocket;

export type SessionEnd =
  /** Session Manager sent `channel_closed`; `output` is its message (empty on a normal end). */
  | { kind: 'channel-closed'; output: string }
  /** The WebSocket closed without `channel_closed`. */
  | { kind: 'socket-closed'; code: number; reason: string }
  /** This client gave up (connection error, resend limit). */
  | { kind: 'failed'; message: string }
  /** This client refused the session's handshake (KMS encryption): the agent never starts the command. */
  | { kind: 'refused'; message: string };

export interface DataChannelOptions {
  streamUrl: string;
  token: string;
  logger: Logger;
  onOutput(bytes: Buffer): void;
  webSocketFactory?: WebSocketFactory;
  /** Resends of one frame before giving up (the plugin: 3000, about 5 minutes). */
  maxResendAttempts?: number;
  /** How often a terminal-size message keeps the session from the idle timeout (default KEEP_ALIVE_MS; 0: never). */
  keepAliveMs?: number;
}

/**
 * ECS Exec sessions end after 20 minutes without activity (ECS Exec documentation; the value cannot
 * be changed). What counts as activity is stream data on the data channel, not WebSocket pings: the
 * plugin pings every 5 minutes (session-manager-plugin src/communicator/websocketchannel.go) and
 * sessions still time out, and the plugin and the agent both switch their smux keep-alive frames
 * off "or else it breaks Session Manager idle timeout" (session-manager-plugin
 * src/sessionmanagerplugin/session/portsession/muxportforwarding.go; amazon-ssm-agent
 * agent/session/plugins/port/port_mux.go): those frames are input/output stream data. So an input
 * frame every 5 minutes keeps the session. The frame is a terminal-size (Size) message with the size
 * already set: the shell plugin accepts Size input and resizes the PTY (agent/session/shell/shell_unix.go,
 * InputStreamMessageHandler → SetSize), and resizing to the same size changes nothing (the kernel
 * sends SIGWINCH only when the size differs), so the command never sees it.
 */
export const KEEP_ALIVE_MS = 5 * 60_000;
const TERMINAL_SIZE = Buffer.from(JSON.stringify({ cols: 200, rows: 50 }));

interface Outgoing {
  sequenceNumber: number;
  frame: Buffer;
  sentAt: number;
  attempts: number;
}

const RESEND_TICK_MS = 100;
const MIN_RTO_MS = 200;
const MAX_RTO_MS = 1000;
const CLOCK_GRANULARITY_MS = 10;
const PING_INTERVAL_MS = 5 * 60_000;

export class DataChannel {
  private socket: WebSocket | undefined;
  private expectedSequence = 0;
  private readonly early = new Map<number, DecodedMessage>();
  private readonly outgoing: Outgoing[] = [];
  private nextSequence = 0;
  private paused = false;
  private roundTrip = 100;
  private roundTripVariation = 0;
  private retransmissionTimeout = MIN_RTO_MS;
  private timer: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private opening: Promise<void> | undefined;
  private endResult: SessionEnd | undefined;
  private resolveEnded!: (end: SessionEnd) => void;
  private sentSize = false;
  /** Resolves once, when the session is over for whatever reason. */
  readonly ended: Promise<SessionEnd>;
  /** Counters a person (and a test) can read: what the channel had to repair. */
  readonly stats = { received: 0, duplicates: 0, buffered: 0, badDigest: 0, resent: 0, acksSent: 0 };

  constructor(private readonly options: DataChannelOptions) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  get isEnded(): boolean {
    return this.endResult !== undefined;
  }

  /** Connects and sends the open-data-channel frame. Rejects when the connection cannot be made. */
  connect(signal?: AbortSignal): Promise<void> {
    const factory = this.options.webSocketFactory ?? ((url: string) => new WebSocket(url));
    const socket = factory(this.options.streamUrl);
    this.socket = socket;
    socket.binaryType = 'nodebuffer';
    this.opening = new Promise((resolve, reject) => {
      let opened = false;
      const onAbort = () => {
        socket.terminate();
        reject(signal?.reason instanceof Error ? signal.reason : new Error('cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.on('open', () => {
        opened = true;
        signal?.removeEventListener('abort', onAbort);
        socket.send(openDataChannelFrame(this.options.token));
        this.timer = setInterval(() => this.resendOldest(), RESEND_TICK_MS);
        this.timer.unref?.();
        // As the plugin does: a keepalive ping every 5 minutes, so idle proxies keep the socket.
        this.pinger = setInterval(() => socket.ping('keepalive'), PING_INTERVAL_MS);
        this.pinger.unref?.();
        const keepAliveMs = this.options.keepAliveMs ?? KEEP_ALIVE_MS;
        if (keepAliveMs > 0) {
          this.keepAlive = setInterval(() => this.send(PayloadType.Size, TERMINAL_SIZE), keepAliveMs);
          this.keepAlive.unref?.();
        }
        resolve();
      });
      socket.on('message', (data, isBinary) => {
        if (!isBinary) {
          this.options.logger.debug(`data channel: ignored a text frame (${String(data).length} characters)`);
          return;
        }
        this.receive(toBuffer(data));
      });
      socket.on('error', (error) => {
        if (!opened) {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        } else this.end({ kind: 'failed', message: `the WebSocket failed: ${error.message}` });
      });
      socket.on('close', (code, reason) => {
        if (!opened) {
          signal?.removeEventListener('abort', onAbort);
          reject(new Error(`the WebSocket closed before it opened (code ${code})`));
        }
        this.end({ kind: 'socket-closed', code, reason: reason.toString('utf8') });
      });
    });
    return this.opening;
  }

  /** Waits (at most `ms`) for a connection still being opened; true when the socket is open. */
  async whenOpen(ms: number): Promise<boolean> {
    if (this.socket?.readyState === WebSocket.OPEN) return true;
    if (!this.opening || this.isEnded) return false;
    let timer: NodeJS.Timeout | undefined;
    const opened = await Promise.race([
      this.opening.then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
    clearTimeout(timer);
    return opened && !this.isEnded;
  }

  /** Sends stdin bytes to the remote PTY (0x03 is Ctrl-C). */
  sendInput(bytes: Buffer): void {
    this.send(PayloadType.Output, bytes);
  }

  /** Asks the agent to end the session (PayloadType Flag, TerminateSession). */
  sendTerminate(): void {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(FlagValue.TerminateSession);
    this.send(PayloadType.Flag, payload);
  }

  /** Frames sent and not yet acknowledged by the agent. */
  get unacknowledged(): number {
    return this.outgoing.length;
  }

  /** Resolves when every frame we sent has been acknowledged, or after `ms`. */
  async drain(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.outgoing.length > 0 && !this.isEnded && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  }

  /** Closes the socket; the session ends with `reason` unless it has already ended. */
  close(reason = 'the client closed the session'): void {
    this.end({ kind: 'failed', message: reason });
    this.socket?.close(1000);
    const socket = this.socket;
    setTimeout(() => socket?.terminate(), 1000).unref?.();
  }

  private end(result: SessionEnd): void {
    if (this.endResult) return;
    this.endResult = result;
    if (this.timer) clearInterval(this.timer);
    if (this.pinger) clearInterval(this.pinger);
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.resolveEnded(result);
  }

  private send(payloadType: number, payload: Buffer): void {
    const sequenceNumber = this.nextSequence++;
    const frame = encodeMessage({
      messageType: MessageType.InputStreamData,
      sequenceNumber,
      flags: 0n,
      messageId: randomUUID(),
      payloadType,
      payload,
    });
    const entry: Outgoing = { sequenceNumber, frame, sentAt: 0, attempts: 0 };
    this.outgoing.push(entry);
    if (!this.paused) this.transmit(entry);
  }

  private transmit(entry: Outgoing): void {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    entry.sentAt = Date.now();
    entry.attempts += 1;
    this.socket.send(entry.frame);
  }

  private resendOldest(): void {
    if (this.paused || this.isEnded) return;
    const oldest = this.outgoing[0];
    if (!oldest) return;
    if (oldest.attempts === 0) {
      this.transmit(oldest);
      return;
    }
    if (Date.now() - oldest.sentAt <= this.retransmissionTimeout) return;
    if (oldest.attempts > (this.options.maxResendAttempts ?? 3000)) {
      this.end({
        kind: 'failed',
        message: `the agent did not acknowledge input frame ${oldest.sequenceNumber} after ${oldest.attempts} attempts`,
      });
      return;
    }
    this.stats.resent += 1;
    this.transmit(oldest);
  }

  private receive(frame: Buffer): void {
    let message: DecodedMessage;
    try {
      message = decodeMessage(frame);
    } catch (error) {
      this.options.logger.debug(`data channel: dropped a malformed frame: ${(error as Error).message}`);
      return;
    }
    const invalid = invalidReason(message);
    if (invalid) {
      // Not acknowledged: the agent resends it, and the resend carries the right digest.
      this.stats.badDigest += 1;
      this.options.logger.debug(`data channel: dropped ${message.messageType} seq ${message.sequenceNumber}: ${invalid}`);
      return;
    }
    switch (message.messageType) {
      case MessageType.Acknowledge:
        return this.onAcknowledge(message);
      case MessageType.OutputStreamData:
        return this.onStreamData(message);
      case MessageType.ChannelClosed:
        return this.onChannelClosed(message);
      case MessageType.PausePublication:
        this.paused = true;
        this.options.logger.debug('data channel: publication paused by Session Manager');
        return;
      case MessageType.StartPublication:
        this.paused = false;
        this.options.logger.debug('data channel: publication resumed by Session Manager');
        for (const entry of this.outgoing) if (entry.attempts === 0) this.transmit(entry);
        return;
      default:
        this.options.logger.debug(`data channel: ignored a ${message.messageType} frame`);
    }
  }

  private onAcknowledge(message: DecodedMessage): void {
    let sequenceNumber: number;
    try {
      sequenceNumber = Number(JSON.parse(message.payload.toString('utf8')).AcknowledgedMessageSequenceNumber);
    } catch {
      this.options.logger.debug('data channel: dropped an acknowledgement whose payload is not JSON');
      return;
    }
    // Acknowledgements match on the sequence number only, as in the plugin and the agent.
    const index = this.outgoing.findIndex((o) => o.sequenceNumber === sequenceNumber);
    if (index < 0) return;
    const [acked] = this.outgoing.splice(index, 1);
    if (acked.attempts === 1) this.updateRoundTrip(Date.now() - acked.sentAt); // Karn: no samples from resent frames
  }

  private updateRoundTrip(sample: number): void {
    this.roundTripVariation = 0.75 * this.roundTripVariation + 0.25 * Math.abs(this.roundTrip - sample);
    this.roundTrip = 0.875 * this.roundTrip + 0.125 * sample;
    const timeout = this.roundTrip + Math.max(CLOCK_GRANULARITY_MS, 4 * this.roundTripVariation);
    this.retransmissionTimeout = Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, timeout));
  }

  private acknowledge(message: DecodedMessage): void {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    this.stats.acksSent += 1;
    this.socket.send(encodeAcknowledge(message));
  }

  private onStreamData(message: DecodedMessage): void {
    this.stats.received += 1;
    const sequence = message.sequenceNumber;
    // Acknowledge everything valid, duplicates included: if our first ack was lost, the agent
    // would otherwise resend the frame until it gives up.
    this.acknowledge(message);
    if (sequence < this.expectedSequence || this.early.has(sequence)) {
      this.stats.duplicates += 1;
      return;
    }
    if (sequence > this.expectedSequence) {
      this.stats.buffered += 1;
      this.early.set(sequence, message);
      return;
    }
    this.process(message);
    this.expectedSequence += 1;
    for (let next = this.early.get(this.expectedSequence); next; next = this.early.get(this.expectedSequence)) {
      this.early.delete(this.expectedSequence);
      this.process(next);
      this.expectedSequence += 1;
    }
  }

  private process(message: DecodedMessage): void {
    if (this.isEnded) return;
    switch (message.payloadType) {
      case PayloadType.Output:
      case PayloadType.StdErr:
        this.options.onOutput(message.payload);
        if (!this.sentSize) {
          // As the plugin does after the first output: a wide terminal, so tools that format
          // for the terminal width do not wrap their lines.
          this.sentSize = true;
          this.send(PayloadType.Size, TERMINAL_SIZE);
        }
        return;
      case PayloadType.HandshakeRequest:
        return this.onHandshakeRequest(message);
      case PayloadType.HandshakeComplete:
        this.options.logger.debug(`data channel: handshake complete ${message.payload.toString('utf8')}`);
        return;
      case PayloadType.EncChallengeRequest:
        this.end({ kind: 'refused', message: kmsMessage() });
        return;
      default:
        this.options.logger.debug(`data channel: ignored output payload type ${message.payloadType}`);
    }
  }

  private onHandshakeRequest(message: DecodedMessage): void {
    let actions: { ActionType?: string }[];
    try {
      actions = JSON.parse(message.payload.toString('utf8')).RequestedClientActions ?? [];
    } catch {
      this.end({ kind: 'failed', message: 'the agent sent a handshake request that is not JSON' });
      return;
    }
    if (actions.some((a) => a.ActionType === 'KMSEncryption')) {
      this.end({ kind: 'refused', message: kmsMessage() });
      return;
    }
    // Accept the session type, answer Unsupported (3) to anything else, as the plugin does.
    const response = {
      ClientVersion: '1.2.0.0',
      ProcessedClientActions: actions.map((a) =>
        a.ActionType === 'SessionType'
          ? { ActionType: a.ActionType, ActionStatus: 1, ActionResult: null, Error: '' }
          : { ActionType: a.ActionType, ActionStatus: 3, ActionResult: null, Error: `Unsupported action ${a.ActionType}` },
      ),
      Errors: null,
    };
    this.send(PayloadType.HandshakeResponse, Buffer.from(JSON.stringify(response)));
  }

  private onChannelClosed(message: DecodedMessage): void {
    let output = '';
    try {
      output = String(JSON.parse(message.payload.toString('utf8')).Output ?? '');
    } catch {
      // an empty or non-JSON payload is still the end of the session
    }
    this.end({ kind: 'channel-closed', output });
  }
}

function kmsMessage(): string {
  return (
    "the cluster's ECS Exec configuration encrypts sessions with a KMS key, and this action does not implement " +
    'KMS-encrypted sessions. Use mode: run-task, or remove kmsKeyId from the cluster executeCommandConfiguration'
  );
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data as ArrayBuffer);
}
