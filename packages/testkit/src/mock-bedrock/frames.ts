/** AWS event-stream frame encoding for the mock (string headers only, as Bedrock sends). */
import { crc32 } from 'node:zlib';

export function eventFrame(headers: Readonly<Record<string, string>>, payload: string): Buffer {
  const hs: Buffer[] = [];
  for (const [k, v] of Object.entries(headers)) {
    const name = Buffer.from(k);
    const value = Buffer.from(v);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(value.length);
    hs.push(Buffer.from([name.length]), name, Buffer.from([7]), len, value);
  }
  const h = Buffer.concat(hs);
  const p = Buffer.from(payload);
  const total = 16 + h.length + p.length;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(h.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const body = Buffer.concat([prelude, h, p]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([body, crc]);
}

/** A ConverseStream event frame. */
export const converseEvent = (type: string, payload: unknown): Buffer =>
  eventFrame({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, JSON.stringify(payload));

/** A ConverseStream exception frame (e.g. throttlingException). */
export const converseException = (type: string, message: string): Buffer =>
  eventFrame(
    { ':exception-type': type, ':content-type': 'application/json', ':message-type': 'exception' },
    JSON.stringify({ message }),
  );
