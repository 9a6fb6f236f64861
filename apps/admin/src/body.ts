/** Request body reading with APISIX's limit and JSON error messages (apisix/admin/init.lua run). */
import { earlyFail } from './errors.js';
import { cjsonDecodeError } from './json-error.js';

/** 1.5 MiB (apisix/admin/init.lua MAX_REQ_BODY). */
export const MAX_REQ_BODY = 1572864;

function tooBig(size: number): never {
  throw earlyFail(400, {
    error_msg: `invalid request body: request size ${size} is greater than the maximum size ${MAX_REQ_BODY} allowed`,
  });
}

/** cjson's decode_max_depth: deeper arrays/objects are a decode error (lua-cjson default 1000). */
export const MAX_DEPTH = 1000;

/** Deepest array/object nesting of a valid JSON text, scanning bytes (no recursion). */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}

/**
 * The whole body, or a 400 with its full size once it passed MAX_REQ_BODY: the rest is drained
 * and counted but not kept (a chunked upload of any size costs at most MAX_REQ_BODY of memory).
 */
async function readCapped(body: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size <= MAX_REQ_BODY) chunks.push(value);
  }
  if (size > MAX_REQ_BODY) tooBig(size);
  return Buffer.concat(chunks);
}

function decodeFailure(text: string): never {
  throw earlyFail(400, { error_msg: `invalid request body: ${cjsonDecodeError(text)}`, req_body: text });
}

/** Read and decode the body; undefined when there is none (then handlers say `missing configurations`). */
export async function readJsonBody(req: Request): Promise<unknown> {
  const len = Number(req.headers.get('content-length') ?? NaN);
  if (len > MAX_REQ_BODY) tooBig(len);
  if (!req.body) return undefined;
  const buf = await readCapped(req.body);
  if (buf.length === 0) return undefined;
  const text = buf.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    decodeFailure(text);
  }
  // JSON.parse has no depth limit; cjson stops at MAX_DEPTH (`Found too many nested data structures`).
  if (nestingDepth(text) > MAX_DEPTH) decodeFailure(text);
  return value;
}

/** The raw body text (same size limit), or undefined when there is none. */
export async function readBodyText(req: Request): Promise<string | undefined> {
  const len = Number(req.headers.get('content-length') ?? NaN);
  if (len > MAX_REQ_BODY) tooBig(len);
  if (!req.body) return undefined;
  const buf = await readCapped(req.body);
  return buf.length === 0 ? undefined : buf.toString('utf8');
}

/** A JSON text decoded with APISIX's errors (cjson messages, depth limit). */
export function decodeJsonText(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    decodeFailure(text);
  }
  if (nestingDepth(text) > MAX_DEPTH) decodeFailure(text);
  return value;
}
