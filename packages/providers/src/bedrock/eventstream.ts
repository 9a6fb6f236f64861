/**
 * AWS event-stream binary framing (application/vnd.amazon.eventstream), as used by Bedrock
 * ConverseStream. One frame:
 *
 *   total_length u32be | headers_length u32be | prelude_crc u32be (CRC32 of the first 8 bytes)
 *   headers (headers_length bytes) | payload | message_crc u32be (CRC32 of everything before it)
 *
 * The decoder accepts bytes in arbitrary pieces (frames split across TCP chunks) and copies
 * each byte at most once into a frame buffer, so decoding is linear in the input size.
 */
import { crc32 } from 'node:zlib';

/** Frames above this size are refused as corrupt (APISIX's aws-eventstream cap). */
export const MAX_FRAME_SIZE = 16 * 1024 * 1024;
const PRELUDE = 12;
/** Prelude plus the trailing message CRC. */
const OVERHEAD = 16;

export type EventStreamHeaderValue = boolean | number | bigint | string | Buffer;

export interface EventStreamFrame {
  headers: Record<string, EventStreamHeaderValue>;
  payload: Buffer;
}

export type EventStreamErrorCode =
  | 'FRAME_LENGTH'
  | 'HEADERS_LENGTH'
  | 'PRELUDE_CRC'
  | 'MESSAGE_CRC'
  | 'HEADER_TRUNCATED'
  | 'HEADER_TYPE'
  | 'TRUNCATED';

/** A frame that cannot be decoded; the stream cannot be resynchronised after it. */
export class EventStreamError extends Error {
  constructor(
    readonly code: EventStreamErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EventStreamError';
  }
}

function parseHeaders(buf: Buffer, start: number, end: number): Record<string, EventStreamHeaderValue> {
  const headers: Record<string, EventStreamHeaderValue> = {};
  let p = start;
  const need = (n: number, what: string): void => {
    if (p + n > end) throw new EventStreamError('HEADER_TRUNCATED', `truncated header ${what}`);
  };
  while (p < end) {
    need(1, 'name length');
    const nameLen = buf[p]!;
    p += 1;
    need(nameLen + 1, 'name');
    const name = buf.toString('utf8', p, p + nameLen);
    p += nameLen;
    const type = buf[p]!;
    p += 1;
    let value: EventStreamHeaderValue;
    switch (type) {
      case 0:
        value = true;
        break;
      case 1:
        value = false;
        break;
      case 2:
        need(1, 'byte value');
        value = buf.readInt8(p);
        p += 1;
        break;
      case 3:
        need(2, 'short value');
        value = buf.readInt16BE(p);
        p += 2;
        break;
      case 4:
        need(4, 'integer value');
        value = buf.readInt32BE(p);
        p += 4;
        break;
      case 5:
      case 8:
        need(8, type === 5 ? 'long value' : 'timestamp value');
        value = buf.readBigInt64BE(p);
        p += 8;
        break;
      case 6:
      case 7: {
        need(2, 'value length');
        const len = buf.readUInt16BE(p);
        p += 2;
        need(len, 'value');
        value = type === 7 ? buf.toString('utf8', p, p + len) : Buffer.from(buf.subarray(p, p + len));
        p += len;
        break;
      }
      case 9:
        need(16, 'uuid value');
        value = buf.toString('hex', p, p + 16);
        p += 16;
        break;
      default:
        throw new EventStreamError('HEADER_TYPE', `unknown header value type: ${type}`);
    }
    headers[name] = value;
  }
  return headers;
}

/** Check the prelude of a frame whose first 12 bytes are `prelude`; returns its total length. */
function checkPrelude(prelude: Buffer): { total: number; headersLength: number } {
  const total = prelude.readUInt32BE(0);
  const headersLength = prelude.readUInt32BE(4);
  if (total < OVERHEAD || total > MAX_FRAME_SIZE) throw new EventStreamError('FRAME_LENGTH', `invalid total_length ${total}`);
  const expected = prelude.readUInt32BE(8);
  const actual = crc32(prelude.subarray(0, 8));
  if (actual !== expected) {
    throw new EventStreamError('PRELUDE_CRC', `prelude CRC mismatch: expected ${expected}, got ${actual}`);
  }
  if (headersLength > total - OVERHEAD) {
    throw new EventStreamError('HEADERS_LENGTH', `headers_length ${headersLength} exceeds frame body`);
  }
  return { total, headersLength };
}

/** Decode one complete frame (exactly `total_length` bytes). */
export function decodeFrame(frame: Buffer): EventStreamFrame {
  if (frame.length < PRELUDE) throw new EventStreamError('TRUNCATED', 'frame shorter than its prelude');
  const { total, headersLength } = checkPrelude(frame);
  if (frame.length !== total) throw new EventStreamError('TRUNCATED', `frame is ${frame.length} bytes, prelude says ${total}`);
  const expected = frame.readUInt32BE(total - 4);
  const actual = crc32(frame.subarray(0, total - 4));
  if (actual !== expected) throw new EventStreamError('MESSAGE_CRC', `message CRC mismatch: expected ${expected}, got ${actual}`);
  const headers = parseHeaders(frame, PRELUDE, PRELUDE + headersLength);
  return { headers, payload: frame.subarray(PRELUDE + headersLength, total - 4) };
}

/**
 * Incremental decoder: `push` each received chunk, get back the frames it completed. After an
 * error every later call throws the same error (the byte stream has lost its framing).
 */
export class EventStreamDecoder {
  private chunks: Buffer[] = [];
  /** Read offset into chunks[0]. */
  private offset = 0;
  private buffered = 0;
  /** total_length of the frame being assembled, once its prelude was checked. */
  private need = 0;
  private failed: EventStreamError | undefined;

  push(chunk: Uint8Array): EventStreamFrame[] {
    if (this.failed) throw this.failed;
    if (chunk.length > 0) {
      this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.buffered += chunk.length;
    }
    const out: EventStreamFrame[] = [];
    try {
      for (;;) {
        if (this.need === 0) {
          if (this.buffered < PRELUDE) break;
          this.need = checkPrelude(this.peek(PRELUDE)).total;
        }
        if (this.buffered < this.need) break;
        const frame = this.take(this.need);
        this.need = 0;
        out.push(decodeFrame(frame));
      }
    } catch (err) {
      this.failed = err as EventStreamError;
      throw err;
    }
    return out;
  }

  /** Bytes held that do not form a complete frame yet. */
  get pending(): number {
    return this.buffered;
  }

  /** Throws when the stream ended inside a frame. */
  end(): void {
    if (this.failed) throw this.failed;
    if (this.buffered > 0) {
      this.failed = new EventStreamError('TRUNCATED', `stream ended inside a frame (${this.buffered} bytes left)`);
      throw this.failed;
    }
  }

  /** The next n bytes without consuming them (copies at most n bytes when they span chunks). */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length - this.offset >= n) return first.subarray(this.offset, this.offset + n);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let off = this.offset;
    for (const c of this.chunks) {
      const k = Math.min(c.length - off, n - filled);
      c.copy(out, filled, off, off + k);
      filled += k;
      off = 0;
      if (filled === n) break;
    }
    return out;
  }

  /** Consume the next n bytes (a view when they lie in one chunk, else one copy). */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length - this.offset >= n) {
      const view = first.subarray(this.offset, this.offset + n);
      this.offset += n;
      if (this.offset === first.length) {
        this.chunks.shift();
        this.offset = 0;
      }
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let i = 0;
    let off = this.offset;
    while (filled < n) {
      const c = this.chunks[i]!;
      const k = Math.min(c.length - off, n - filled);
      c.copy(out, filled, off, off + k);
      filled += k;
      off += k;
      if (off === c.length) {
        i += 1;
        off = 0;
      }
    }
    // One splice per frame, not one shift per chunk: a frame split into many tiny chunks stays linear.
    this.chunks.splice(0, i);
    this.offset = off;
    return out;
  }
}

/** Encode a frame with string headers (type 7), as AWS services send them. */
export function encodeFrame(headers: Readonly<Record<string, string>>, payload: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(value, 'utf8');
    const h = Buffer.allocUnsafe(1 + n.length + 1 + 2);
    h.writeUInt8(n.length, 0);
    n.copy(h, 1);
    h.writeUInt8(7, 1 + n.length);
    h.writeUInt16BE(v.length, 2 + n.length);
    parts.push(h, v);
  }
  const hdr = Buffer.concat(parts);
  const total = OVERHEAD + hdr.length + payload.length;
  const frame = Buffer.allocUnsafe(total);
  frame.writeUInt32BE(total, 0);
  frame.writeUInt32BE(hdr.length, 4);
  frame.writeUInt32BE(crc32(frame.subarray(0, 8)), 8);
  hdr.copy(frame, PRELUDE);
  Buffer.from(payload.buffer, payload.byteOffset, payload.length).copy(frame, PRELUDE + hdr.length);
  frame.writeUInt32BE(crc32(frame.subarray(0, total - 4)), total - 4);
  return frame;
}
