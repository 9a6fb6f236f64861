import type { ServerResponse } from 'node:http';

/** Bodies up to this size are sent in the same write as the head (see endWithBuffer). */
const ONE_WRITE_MAX = 16 * 1024;

/**
 * End a response with a Buffer body in one socket write: node:http glues the head to the
 * first body chunk only when the chunk is a latin1/utf8 string, and a Buffer goes out as a
 * separate writev entry after it. latin1 maps bytes 1:1, so the bytes sent are unchanged.
 */
export function endWithBuffer(res: ServerResponse, body: Buffer): void {
  if (body.length <= ONE_WRITE_MAX) res.end(body.toString('latin1'), 'latin1');
  else res.end(body);
}

/**
 * Write the first body chunk after writeHead in the same socket write as the head (latin1,
 * as in endWithBuffer); later chunks go as they are.
 */
export function writeFirstChunk(res: ServerResponse, chunk: Buffer): boolean {
  if (chunk.length <= ONE_WRITE_MAX) return res.write(chunk.toString('latin1'), 'latin1');
  return res.write(chunk);
}

/** Resolves when the response can take more data, or closed. */
export function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
