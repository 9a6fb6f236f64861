import { classifyRequest, type Capability, type JsonObject } from '@portico/providers';
import type { PreparedInstance } from './instance.js';
import type { AiRequest } from './types.js';

/** The body for one attempt. A fresh object each time: retries never see another attempt's edits. */
export interface BuiltBody {
  body: JsonObject;
  capability: Capability;
  stream: boolean;
  model: string | undefined;
  /**
   * Whether `body` differs from the client's: when not, the client's raw bytes are sent
   * (APISIX 3.17+ forwards them verbatim when nothing changed) instead of a re-encoding.
   */
  changed: boolean;
}

/**
 * Build the outgoing body (ai-proxy/base.lua + openai-base.lua request, in APISIX order):
 * flat `options` merge (config wins), stream_options.include_usage for streams, then
 * remove_model. The stream flag is read after the merge, so `options.stream: true` is a stream
 * too (APISIX 3.16 only looked at the client's `stream`).
 * Top-level copy only: nested client values are shared but never written to.
 */
export function buildBody(req: AiRequest, inst: PreparedInstance): BuiltBody {
  const body: JsonObject = { ...req.body };
  let changed = false;
  for (const [k, v] of inst.optionEntries) {
    // An option equal to the client's scalar value changes nothing (objects always count).
    if (body[k] !== v || typeof v === 'object') changed = true;
    body[k] = v;
  }
  const stream = body.stream === true;
  // APISIX overwrites the client's stream_options; a configured options.stream_options still wins.
  if (stream && !inst.optionsHasStreamOptions) {
    body.stream_options = { include_usage: true };
    changed = true;
  }
  const model = typeof body.model === 'string' ? body.model : undefined;
  if (inst.descriptor.removeModel && 'model' in body) {
    delete body.model;
    changed = true;
  }
  return { body, capability: classifyRequest(body), stream, model, changed };
}
