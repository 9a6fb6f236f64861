/**
 * The body-reading prologue of ai-prompt-decorator and ai-prompt-template
 * (`get_request_body_table` in both Lua files): get_body, then decode, with their 400 bodies.
 */
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { decodeJson, isJsonObject, readBodyLimited, type JsonObject } from './body.js';

const bad = (message: string): Reply => ({ status: 400, body: { message } });

/**
 * The decoded request body, or the 400 APISIX answers: `could not get body: <err>` (empty or
 * too large) and `could not parse JSON request body: <cjson error>`. A JSON scalar is answered
 * as invalid JSON (APISIX: `false` is, other scalars fail later with a 500). An empty array is
 * an empty table to Lua, so it is returned as an empty object; other arrays stay arrays.
 */
export async function readJsonBody(
  ctx: RequestContext,
  maxSize: number,
): Promise<Reply | { body: JsonObject | unknown[]; raw: Buffer }> {
  const read = await readBodyLimited(ctx, maxSize);
  if (read.kind === 'empty') return bad('could not get body: request body is empty');
  if (read.kind === 'too-large') return bad(`could not get body: ${read.error}`);
  const decoded = decodeJson(read.raw);
  if (!decoded.ok) return bad(`could not parse JSON request body: ${decoded.error}`);
  const v = decoded.value;
  if (isJsonObject(v)) return { body: v, raw: read.raw };
  if (Array.isArray(v)) return { body: v.length === 0 ? {} : v, raw: read.raw };
  return bad('could not parse JSON request body: invalid JSON');
}

export function isReply(v: Reply | { body: unknown }): v is Reply {
  return 'status' in v;
}
