import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  HEADER_LENGTH,
  MessageType,
  PayloadType,
  decodeMessage,
  encodeAcknowledge,
  encodeMessage,
  invalidReason,
  openDataChannelFrame,
  uuidFromWire,
  uuidToWire,
} from '@allthrive/ecs-exec-migrate';

/** Turns the reference notes' hex dumps (`0000: 00 00 ...`) into bytes. */
function hexDump(text: string): Buffer {
  const bytes = text
    .trim()
    .split('\n')
    .map((line) => line.replace(/^\s*\d{4}:/, '').replace(/<-.*$/, ''))
    .join(' ')
    .trim()
    .split(/\s+/);
  return Buffer.from(bytes.join(''), 'hex');
}

// reference/ecs-exec.md §2.10 (b): the Size message, Go-faithful.
const SIZE_FRAME = hexDump(`
0000: 00 00 00 74 69 6e 70 75 74 5f 73 74 72 65 61 6d
0016: 5f 64 61 74 61 20 20 20 20 20 20 20 20 20 20 20
0032: 20 20 20 20 00 00 00 01 00 00 01 8b cf e5 68 00
0048: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
0064: 84 44 55 55 55 55 55 55 11 11 11 11 22 22 43 33
0080: 10 2b 1e 10 bc 86 22 14 b2 9c 95 4a 65 e3 b6 b4
0096: 99 7a 29 04 c0 4f 65 ec 28 b4 60 21 50 d0 36 82
0112: 00 00 00 03 00 00 00 16 7b 22 63 6f 6c 73 22 3a
0128: 32 30 30 2c 22 72 6f 77 73 22 3a 35 30 7d`);

// §2.10 (b): an output frame as the agent sends it.
const OUTPUT_FRAME = hexDump(`
0000: 00 00 00 74 6f 75 74 70 75 74 5f 73 74 72 65 61
0016: 6d 5f 64 61 74 61 20 20 20 20 20 20 20 20 20 20
0032: 20 20 20 20 00 00 00 01 00 00 01 8b cf e5 68 02
0048: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01
0064: 8d dd ee ee ee ee ee ee aa aa aa aa bb bb 4c cc
0080: cd 2e ca 35 35 74 1f 27 a8 ae 40 c3 1b 0c 41 d4
0096: 05 7a 7a 7b 91 2b 33 b9 ae d8 64 85 d1 c8 46 76
0112: 00 00 00 01 00 00 00 07 68 65 6c 6c 6f 0d 0a`);

describe('data-channel codec', () => {
  it.each([
    {
      name: 'the Size message byte for byte like the Go plugin',
      vector: SIZE_FRAME,
      message: {
        messageType: MessageType.InputStreamData,
        createdDate: 1700000000000,
        flags: 0n,
        messageId: '11111111-2222-4333-8444-555555555555',
        payloadType: PayloadType.Size,
        payload: '{"cols":200,"rows":50}',
      },
    },
    {
      name: 'the agent output frame byte for byte',
      vector: OUTPUT_FRAME,
      message: {
        messageType: MessageType.OutputStreamData,
        createdDate: 1700000000002,
        flags: 1n,
        messageId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
        payloadType: PayloadType.Output,
        payload: 'hello\r\n',
      },
    },
  ])('encodes $name (reference vector)', ({ vector, message }) => {
    const frame = encodeMessage({ ...message, sequenceNumber: 0, payload: Buffer.from(message.payload) });
    expect(frame.toString('hex')).toBe(vector.toString('hex'));
  });

  it('decodes the output vector: fields, swapped-UUID id, valid digest', () => {
    const message = decodeMessage(OUTPUT_FRAME);
    expect(message).toMatchObject({
      messageType: 'output_stream_data',
      schemaVersion: 1,
      createdDate: 1700000000002,
      sequenceNumber: 0,
      flags: 1n,
      messageId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
      payloadType: 1,
      payloadLength: 7,
      digestValid: true,
    });
    expect(message.payload.toString()).toBe('hello\r\n');
    expect(invalidReason(message)).toBeUndefined();
  });

  it('writes the UUID least-significant half first and reads it back', () => {
    expect(uuidToWire('11111111-2222-4333-8444-555555555555').toString('hex')).toBe('8444555555555555111111112222' + '4333');
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        expect(uuidFromWire(uuidToWire(uuid))).toBe(uuid.toLowerCase());
      }),
    );
  });

  it('acknowledges in plugin style: sequence 0, flags 3, payload type 0, the JSON of reference §2.6 (176 bytes)', () => {
    const of = decodeMessage(OUTPUT_FRAME);
    const ack = decodeMessage(encodeAcknowledge(of, 1700000000003, '11111111-2222-4333-8444-555555555555'));
    expect(ack).toMatchObject({ messageType: 'acknowledge', sequenceNumber: 0, flags: 3n, payloadType: 0, digestValid: true });
    expect(ack.payloadLength).toBe(0xb0);
    expect(ack.payload.toString()).toBe(
      '{"AcknowledgedMessageType":"output_stream_data","AcknowledgedMessageId":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee","AcknowledgedMessageSequenceNumber":0,"IsSequentialMessage":true}',
    );
  });

  it('accepts the real ssm-session frame (NUL-padded type, canonical UUID) but flags its ASCII-hex digest as invalid', () => {
    // reference §2.10 (a), rebuilt from its decoded fields.
    const payload = Buffer.from('{"cols":202,"rows":18}');
    const frame = Buffer.alloc(120 + payload.length);
    frame.writeUInt32BE(HEADER_LENGTH, 0);
    Buffer.concat([Buffer.alloc(15), Buffer.from('input_stream_data')]).copy(frame, 4);
    frame.writeUInt32BE(1, 36);
    frame.writeBigUInt64BE(509294562n, 40);
    frame.writeBigUInt64BE(1n, 56);
    Buffer.from('730f664914534e2a9f01a37dbffefce1', 'hex').copy(frame, 64);
    Buffer.from('e44365b951162eda64acefd27572209e', 'ascii').copy(frame, 80);
    frame.writeUInt32BE(3, 112);
    frame.writeUInt32BE(22, 116);
    payload.copy(frame, 120);
    const message = decodeMessage(frame);
    expect(message).toMatchObject({ messageType: 'input_stream_data', flags: 1n, payloadType: 3, payloadLength: 22, digestValid: false });
    expect(message.payload.toString()).toBe('{"cols":202,"rows":18}');
    expect(invalidReason(message)).toMatch(/digest/);
  });

  it('skips validation for publication control frames, as the plugin does', () => {
    const pause = decodeMessage(encodeMessage({ messageType: 'pause_publication', createdDate: 0, payload: Buffer.alloc(0) }));
    expect(invalidReason(pause)).toBeUndefined();
    const zeroDate = decodeMessage(encodeMessage({ messageType: 'output_stream_data', createdDate: 0, payload: Buffer.from('x') }));
    expect(invalidReason(zeroDate)).toMatch(/created date/);
  });

  it('rejects frames that break the layout', () => {
    expect(() => decodeMessage(Buffer.alloc(50))).toThrow(/at least 120 bytes/);
    const bad = Buffer.from(OUTPUT_FRAME);
    bad.writeUInt32BE(100, 0);
    expect(() => decodeMessage(bad)).toThrow(/header length is 100/);
  });

  it('round-trips any frame (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          type: fc.constantFrom('input_stream_data', 'output_stream_data', 'acknowledge', 'channel_closed'),
          seq: fc.integer({ min: 0, max: 2 ** 40 }),
          date: fc.integer({ min: 1, max: 2 ** 45 }),
          id: fc.uuid(),
          payloadType: fc.integer({ min: 0, max: 12 }),
          payload: fc.uint8Array({ maxLength: 2048 }),
        }),
        (r) => {
          const decoded = decodeMessage(
            encodeMessage({
              messageType: r.type,
              sequenceNumber: r.seq,
              createdDate: r.date,
              messageId: r.id,
              payloadType: r.payloadType,
              payload: Buffer.from(r.payload),
            }),
          );
          expect(decoded).toMatchObject({
            messageType: r.type,
            sequenceNumber: r.seq,
            createdDate: r.date,
            payloadType: r.payloadType,
            digestValid: true,
          });
          expect(decoded.messageId).toBe(r.id.toLowerCase());
          expect([...decoded.payload]).toEqual([...r.payload]);
        },
      ),
    );
  });

  it('opens the data channel with the token in a text frame', () => {
    expect(JSON.parse(openDataChannelFrame('tok', 'client', 'request'))).toEqual({
      MessageSchemaVersion: '1.0',
      RequestId: 'request',
      TokenValue: 'tok',
      ClientId: 'client',
      ClientVersion: '1.2.0.0',
    });
  });
});
