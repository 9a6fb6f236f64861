/** Raw HTTP/1.x over a TCP socket: send arbitrary bytes, read whatever comes back. */
import { connect } from 'node:net';

export interface RawAnswer {
  /** Everything the server sent before it closed (or before the timeout). */
  bytes: Buffer;
  /** The server closed the connection (vs. the timeout firing). */
  closed: boolean;
  /** The socket errored (e.g. reset by the server). */
  error?: string;
}

/**
 * Write `request` and collect the answer until the server closes or `timeoutMs` passes. The
 * write side stays open (a FIN before the answer reads as a client abort, as nginx treats it)
 * unless `halfCloseAfterMs` is given: then it is closed after that long, which ends a request
 * the server is still waiting on (short bodies, missing chunks).
 */
export function rawExchange(
  port: number,
  request: Buffer,
  opts: { timeoutMs?: number; halfCloseAfterMs?: number } = {},
): Promise<RawAnswer> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    let settled = false;
    const done = (closed: boolean, error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(halfClose);
      socket.destroy();
      resolve({ bytes: Buffer.concat(chunks), closed, ...(error !== undefined ? { error } : {}) });
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    let halfClose: NodeJS.Timeout | undefined;
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => done(true));
    socket.on('close', () => done(true));
    socket.on('error', (e) => done(true, e.message));
    socket.on('connect', () => {
      socket.write(request);
      if (opts.halfCloseAfterMs !== undefined) halfClose = setTimeout(() => socket.end(), opts.halfCloseAfterMs);
    });
  });
}

/** The status of each HTTP response in `bytes` (pipelined answers included), in order. */
export function statusLines(bytes: Buffer): { version: string; status: number }[] {
  const out: { version: string; status: number }[] = [];
  const text = bytes.toString('latin1');
  const re = /(?:^|\r\n)(HTTP\/1\.[01]) (\d{3}) [^\r\n]*\r\n/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ version: m[1]!, status: Number(m[2]) });
  return out;
}
