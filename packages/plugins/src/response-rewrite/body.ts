/**
 * The body side of response-rewrite: the buffered body (core.response.hold_body_chunk with a
 * size cap), its decoding (apisix/utils/content-decode.lua: gzip, br) and the regex filters.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Logger } from '@portico/plugin-sdk';
import { ngxSub, type NgxRegex, type Replacement } from '../rewrite-util/pcre.js';

export interface CompiledFilter {
  regex: string;
  re: NgxRegex;
  /** Undefined when the replacement template does not compile (the filter then changes nothing). */
  rep: Replacement | undefined;
  repError: string | undefined;
}

/** Chunks held until the end of the body, or until `max` bytes were seen. */
export class HeldBody {
  private chunks: Buffer[] = [];
  private bytes = 0;
  /** Set once the cap was reached: the rest of the body is dropped. */
  done = false;

  constructor(private readonly max: number) {}

  /** Add a chunk; returns the whole (capped) body once complete or full, else undefined. */
  push(chunk: Uint8Array, eof: boolean): Buffer | undefined {
    if (this.done) return undefined;
    if (chunk.byteLength > 0) {
      this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.bytes += chunk.byteLength;
      if (this.bytes >= this.max) {
        this.done = true;
        return Buffer.concat(this.chunks, this.bytes).subarray(0, this.max);
      }
    }
    if (!eof) return undefined;
    this.done = true;
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes);
  }
}

/** Decode a `Content-Encoding`d body, or undefined (error logged) as APISIX does. */
export function decodeBody(body: Buffer, encoding: string, logger: Logger): Buffer | undefined {
  try {
    if (encoding === 'gzip') return gunzipSync(body);
    if (encoding === 'br') return brotliDecompressSync(body);
  } catch (e) {
    const kind = encoding === 'gzip' ? 'inflate gzip err: ' : 'brotli decode err: ';
    logger.error(`filters may not work as expected: ${kind}${(e as Error).message}`);
    return undefined;
  }
  logger.error(`filters may not work as expected due to unsupported compression encoding type: ${encoding}`);
  return undefined;
}

/** Apply every filter in order (`scope: once` → first match, `global` → all matches). */
export function applyFilters(body: string, filters: readonly CompiledFilter[], logger: Logger): string {
  let out = body;
  for (const f of filters) {
    if (f.rep === undefined) {
      logger.error(`regex "${f.regex}" substitutes failed:${f.repError ?? ''}`);
      continue;
    }
    out = ngxSub(out, f.re, f.rep).out;
  }
  return out;
}
