import { createHash, randomUUID } from 'node:crypto';

/**
 * The SSM Session Manager data-channel frame (`ClientMessage` / `AgentMessage`), byte for byte as
 * aws/session-manager-plugin `src/message/clientmessage.go` writes it. Hand-written because no
 * maintained npm library speaks this protocol (the `ssm-session` package is unmaintained and writes
 * a wrong digest). All integers are big-endian.
 *
 *   0  HeaderLength (uint32, always 116: the header without the PayloadLength field)
 *   4  MessageType (32 bytes ASCII, padded with spaces)
 *  36  SchemaVersion (uint32, 1)
 *  40  CreatedDate (uint64, epoch milliseconds)
 *  48  SequenceNumber (int64)
 *  56  Flags (uint64: bit 0 SYN, bit 1 FIN)
 *  64  MessageId (16 bytes: the UUID's least-significant half first, then the most-significant half)
 *  80  PayloadDigest (32 bytes: raw SHA-256 of the payload)
 * 112  PayloadType (uint32)
 * 116  PayloadLength (uint32)
 * 120  Payload
 */
export const HEADER_LENGTH = 116;
export const PAYLOAD_OFFSET = HEADER_LENGTH + 4;

export const MessageType = {
  InputStreamData: 'input_stream_data',
  OutputStreamData: 'output_stream_data',
  Acknowledge: 'acknowledge',
  ChannelClosed: 'channel_closed',
  StartPublication: 'start_publication',
  PausePublication: 'pause_publication',
} as const;

export const PayloadType = {
  Unset: 0,
  Output: 1,
  Error: 2,
  Size: 3,
  Parameter: 4,
  HandshakeRequest: 5,
  HandshakeResponse: 6,
  HandshakeComplete: 7,
  EncChallengeRequest: 8,
  EncChallengeResponse: 9,
  Flag: 10,
  StdErr: 11,
  ExitCode: 12,
} as const;

/** Payload of a PayloadType.Flag message (uint32 big-endian). */
export const FlagValue = { DisconnectToPort: 1, TerminateSession: 2, ConnectToPortError: 3 } as const;

export const Flags = { Syn: 1n, Fin: 2n } as const;

export interface DataChannelMessage {
  messageType: string;
  schemaVersion: number;
  /** Epoch milliseconds. */
  createdDate: number;
  sequenceNumber: number;
  flags: bigint;
  /** Canonical lower-case UUID text. */
  messageId: string;
  payloadType: number;
  payload: Buffer;
}

export interface DecodedMessage extends DataChannelMessage {
  /** The 32 digest bytes as received. */
  payloadDigest: Buffer;
  /** True when the digest field equals SHA-256 of the payload. */
  digestValid: boolean;
  /** The PayloadLength field (the payload itself is everything after the header, as the plugin slices it). */
  payloadLength: number;
}

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The 16 wire bytes of a UUID: canonical bytes 8..15 first, then 0..7 (Go `putUuid`). */
export function uuidToWire(uuid: string): Buffer {
  if (!UUID.test(uuid)) throw new FrameError(`'${uuid}' is not a UUID`);
  const canonical = Buffer.from(uuid.replace(/-/g, ''), 'hex');
  return Buffer.concat([canonical.subarray(8, 16), canonical.subarray(0, 8)]);
}

/** The UUID text of 16 wire bytes (Go `getUuid`). */
export function uuidFromWire(bytes: Buffer): string {
  if (bytes.length !== 16) throw new FrameError(`a message id has 16 bytes, not ${bytes.length}`);
  const hex = Buffer.concat([bytes.subarray(8, 16), bytes.subarray(0, 8)]).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function sha256(payload: Buffer): Buffer {
  return createHash('sha256').update(payload).digest();
}

export function encodeMessage(message: Partial<DataChannelMessage> & { messageType: string; payload: Buffer }): Buffer {
  const { payload } = message;
  const type = Buffer.from(message.messageType, 'ascii');
  if (type.length > 32) throw new FrameError(`message type '${message.messageType}' is longer than 32 bytes`);
  const frame = Buffer.alloc(PAYLOAD_OFFSET + payload.length);
  frame.writeUInt32BE(HEADER_LENGTH, 0);
  frame.fill(0x20, 4, 36);
  type.copy(frame, 4);
  frame.writeUInt32BE(message.schemaVersion ?? 1, 36);
  frame.writeBigUInt64BE(BigInt(message.createdDate ?? Date.now()), 40);
  frame.writeBigInt64BE(BigInt(message.sequenceNumber ?? 0), 48);
  frame.writeBigUInt64BE(message.flags ?? 0n, 56);
  uuidToWire(message.messageId ?? randomUUID()).copy(frame, 64);
  sha256(payload).copy(frame, 80);
  frame.writeUInt32BE(message.payloadType ?? PayloadType.Unset, 112);
  frame.writeUInt32BE(payload.length, 116);
  payload.copy(frame, PAYLOAD_OFFSET);
  return frame;
}

export function decodeMessage(frame: Buffer): DecodedMessage {
  if (frame.length < PAYLOAD_OFFSET) throw new FrameError(`a frame has at least ${PAYLOAD_OFFSET} bytes; this one has ${frame.length}`);
  const headerLength = frame.readUInt32BE(0);
  if (headerLength !== HEADER_LENGTH) throw new FrameError(`header length is ${headerLength}, expected ${HEADER_LENGTH}`);
  // Go trims NULs then whitespace; some JavaScript clients pad with NULs on the left.
  const messageType = frame.subarray(4, 36).toString('ascii').replace(/\0/g, '').trim();
  if (!messageType) throw new FrameError('the message type is empty');
  const payloadLength = frame.readUInt32BE(116);
  const payload = Buffer.from(frame.subarray(PAYLOAD_OFFSET));
  const payloadDigest = Buffer.from(frame.subarray(80, 112));
  return {
    messageType,
    schemaVersion: frame.readUInt32BE(36),
    createdDate: Number(frame.readBigUInt64BE(40)),
    sequenceNumber: Number(frame.readBigInt64BE(48)),
    flags: frame.readBigUInt64BE(56),
    messageId: uuidFromWire(frame.subarray(64, 80)),
    payloadDigest,
    digestValid: sha256(payload).equals(payloadDigest),
    payloadType: frame.readUInt32BE(112),
    payloadLength,
    payload,
  };
}

/**
 * The checks the plugin's `Validate()` makes on a received frame: none for publication control
 * messages; otherwise a non-zero created date and, when there is a payload, a matching digest.
 * Returns the reason a frame is invalid, or undefined.
 */
export function invalidReason(message: DecodedMessage): string | undefined {
  if (message.messageType === MessageType.StartPublication || message.messageType === MessageType.PausePublication) return undefined;
  if (message.createdDate === 0) return 'its created date is zero';
  if (message.payloadLength !== 0 && !message.digestValid) return 'its payload digest does not match the payload';
  return undefined;
}

export interface AcknowledgeContent {
  AcknowledgedMessageType: string;
  AcknowledgedMessageId: string;
  AcknowledgedMessageSequenceNumber: number;
  IsSequentialMessage: boolean;
}

/** The acknowledgement of a stream frame, as the plugin sends it: sequence 0, flags 3, payload type 0. */
export function encodeAcknowledge(of: DataChannelMessage, createdDate = Date.now(), messageId: string = randomUUID()): Buffer {
  // Field order matters to nobody but matches Go's struct order, so frames compare byte for byte.
  const content: AcknowledgeContent = {
    AcknowledgedMessageType: of.messageType,
    AcknowledgedMessageId: of.messageId,
    AcknowledgedMessageSequenceNumber: of.sequenceNumber,
    IsSequentialMessage: true,
  };
  return encodeMessage({
    messageType: MessageType.Acknowledge,
    createdDate,
    sequenceNumber: 0,
    flags: 3n,
    messageId,
    payloadType: PayloadType.Unset,
    payload: Buffer.from(JSON.stringify(content), 'utf8'),
  });
}

/** The first (TEXT) frame after connecting: Go `OpenDataChannelInput`. */
export function openDataChannelFrame(token: string, clientId: string = randomUUID(), requestId: string = randomUUID()): string {
  return JSON.stringify({
    MessageSchemaVersion: '1.0',
    RequestId: requestId,
    TokenValue: token,
    ClientId: clientId,
    ClientVersion: '1.2.0.0',
  });
}
