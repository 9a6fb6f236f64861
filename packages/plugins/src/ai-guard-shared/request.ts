/** The validated AI request the guards inspect (set by ai-proxy / ai-proxy-multi in access). */
import type { RequestContext } from '@portico/plugin-sdk';
import { getRunState, SHARED } from '../ai-shared/keys.js';

/**
 * The client's parsed body when ai-proxy or ai-proxy-multi picked an instance for this
 * request (APISIX `ctx.picked_ai_instance`), else undefined.
 */
export function pickedAiRequestBody(ctx: RequestContext): Readonly<Record<string, unknown>> | undefined {
  if (ctx.shared.get(SHARED.picked) === undefined) return undefined;
  return getRunState(ctx)?.request.body;
}
