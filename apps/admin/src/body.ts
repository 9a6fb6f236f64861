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

/** Read and decode the body; undefined when there is none (then handlers say `missing configurations`). */
export async function readJsonBody(req: Request): Promise<unknown> {
  const len = Number(req.headers.get('content-length') ?? NaN);
  if (len > MAX_REQ_BODY) tooBig(len);
  if (!req.body) return undefined;
  const buf = Buffer.from(await req.arrayBuffer());
  if (buf.length > MAX_REQ_BODY) tooBig(buf.length);
  if (buf.length === 0) return undefined;
  const text = buf.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw earlyFail(400, { error_msg: `invalid request body: ${cjsonDecodeError(text)}`, req_body: text });
  }
}
