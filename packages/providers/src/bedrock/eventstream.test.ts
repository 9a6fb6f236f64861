import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, EventStreamDecoder, EventStreamError } from './eventstream.js';

// Known-answer frames from awslabs/aws-c-event-stream's tests: an empty message and a
// payload-only message ({'foo':'bar'}), each with its prelude and message CRC32.
const EMPTY = Buffer.from('000000100000000005c248eb7d98c8ff', 'hex');
const FOO_BAR = Buffer.from('0000001d00000000fd528c5a7b27666f6f273a27626172277dc3653936', 'hex');

function frame(event: string, payload: unknown): Buffer {
  return encodeFrame(
    { ':event-type': event, ':content-type': 'application/json', ':message-type': 'event' },
    Buffer.from(JSON.stringify(payload)),
  );
}

describe('AWS event-stream frames', () => {
  it('decodes the published empty-message vector', () => {
    const f = decodeFrame(EMPTY);
    expect(f.headers).toEqual({});
    expect(f.payload.length).toBe(0);
  });

  it('decodes the published payload-only vector', () => {
    expect(decodeFrame(FOO_BAR).payload.toString()).toBe("{'foo':'bar'}");
  });

  it('encodes byte-for-byte the published vectors', () => {
    expect(encodeFrame({}, Buffer.alloc(0))).toEqual(EMPTY);
    expect(encodeFrame({}, Buffer.from("{'foo':'bar'}"))).toEqual(FOO_BAR);
  });

  it('round-trips string headers and the payload', () => {
    const f = decodeFrame(frame('contentBlockDelta', { delta: { text: 'Hello' } }));
    expect(f.headers).toEqual({
      ':event-type': 'contentBlockDelta',
      ':content-type': 'application/json',
      ':message-type': 'event',
    });
    expect(JSON.parse(f.payload.toString())).toEqual({ delta: { text: 'Hello' } });
  });

  it('decodes every header value type', () => {
    const h = Buffer.concat([
      Buffer.from([1, 0x74, 0]), // t: true
      Buffer.from([1, 0x66, 1]), // f: false
      Buffer.from([1, 0x62, 2, 0xff]), // b: byte -1
      Buffer.from([1, 0x73, 3, 0x01, 0x00]), // s: short 256
      Buffer.from([1, 0x69, 4, 0, 0, 0x01, 0x00]), // i: int 256
      Buffer.from([1, 0x6c, 5, 0, 0, 0, 0, 0, 0, 0, 7]), // l: long 7
      Buffer.from([1, 0x61, 6, 0, 2, 0xde, 0xad]), // a: bytes
      Buffer.from([1, 0x64, 8, 0, 0, 0, 0, 0, 0, 0, 9]), // d: timestamp 9
      Buffer.from([1, 0x75, 9, ...Array.from({ length: 16 }, (_, i) => i)]), // u: uuid
    ]);
    const total = 16 + h.length;
    const f = Buffer.alloc(total);
    f.writeUInt32BE(total, 0);
    f.writeUInt32BE(h.length, 4);
    f.writeUInt32BE(crc32(f.subarray(0, 8)), 8);
    h.copy(f, 12);
    f.writeUInt32BE(crc32(f.subarray(0, total - 4)), total - 4);
    expect(decodeFrame(f).headers).toEqual({
      t: true,
      f: false,
      b: -1,
      s: 256,
      i: 256,
      l: 7n,
      a: Buffer.from([0xde, 0xad]),
      d: 9n,
      u: '000102030405060708090a0b0c0d0e0f',
    });
  });

  it('rejects a corrupted prelude CRC', () => {
    const bad = Buffer.from(FOO_BAR);
    bad[9]! ^= 1;
    expect(() => decodeFrame(bad)).toThrowError(expect.objectContaining({ code: 'PRELUDE_CRC' }));
  });

  it('rejects a corrupted payload byte by the message CRC', () => {
    const bad = Buffer.from(FOO_BAR);
    bad[14]! ^= 1;
    expect(() => decodeFrame(bad)).toThrowError(expect.objectContaining({ code: 'MESSAGE_CRC' }));
  });

  it('rejects an impossible total length', () => {
    const bad = Buffer.alloc(12);
    bad.writeUInt32BE(8, 0);
    bad.writeUInt32BE(crc32(bad.subarray(0, 8)), 8);
    expect(() => new EventStreamDecoder().push(bad)).toThrowError(expect.objectContaining({ code: 'FRAME_LENGTH' }));
  });
});

describe('EventStreamDecoder', () => {
  const frames = [
    frame('messageStart', { role: 'assistant' }),
    frame('contentBlockDelta', { delta: { text: 'Hi' } }),
    EMPTY,
    FOO_BAR,
  ];
  const all = Buffer.concat(frames);

  it('decodes frames split at every possible byte boundary', () => {
    for (let cut = 0; cut <= all.length; cut++) {
      const d = new EventStreamDecoder();
      const out = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
      expect(out.map((f) => f.payload.toString())).toEqual(frames.map((f) => decodeFrame(f).payload.toString()));
      d.end();
    }
  });

  it('decodes any chunking of a frame sequence to the same frames', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 50 }), (sizes) => {
        const d = new EventStreamDecoder();
        const out = [];
        let pos = 0;
        for (let i = 0; pos < all.length; i++) {
          const n = sizes[i % sizes.length]!;
          out.push(...d.push(all.subarray(pos, pos + n)));
          pos += n;
        }
        d.end();
        return out.length === frames.length && out[3]!.payload.toString() === "{'foo':'bar'}";
      }),
    );
  });

  it('reports a stream that ends inside a frame', () => {
    const d = new EventStreamDecoder();
    expect(d.push(FOO_BAR.subarray(0, 20))).toEqual([]);
    expect(d.pending).toBe(20);
    expect(() => d.end()).toThrowError(EventStreamError);
  });

  it('stays failed after a corrupt frame', () => {
    const d = new EventStreamDecoder();
    const bad = Buffer.from(FOO_BAR);
    bad[20]! ^= 1;
    expect(() => d.push(bad)).toThrowError(expect.objectContaining({ code: 'MESSAGE_CRC' }));
    expect(() => d.push(EMPTY)).toThrowError(expect.objectContaining({ code: 'MESSAGE_CRC' }));
  });

  it('never fails on arbitrary bytes other than with EventStreamError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 50 }), (bytes, step) => {
        const d = new EventStreamDecoder();
        try {
          for (let i = 0; i < bytes.length; i += step) d.push(bytes.subarray(i, i + step));
          d.end();
        } catch (err) {
          return err instanceof EventStreamError;
        }
        return true;
      }),
    );
  });

  it('decodes in linear time: 1-byte chunks of 2000 frames stay fast', () => {
    const big = Buffer.concat(Array.from({ length: 2000 }, () => frames[1]!));
    const d = new EventStreamDecoder();
    const t0 = performance.now();
    let n = 0;
    for (let i = 0; i < big.length; i++) n += d.push(big.subarray(i, i + 1)).length;
    expect(n).toBe(2000);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
