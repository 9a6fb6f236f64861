import type { RequestContext } from '@portico/plugin-sdk';
import { modelToLabel } from './labels.js';

/** ctx.shared key ai-shared uses for the picked instance (APISIX ctx.balancer_ip for AI routes). */
const PICKED_INSTANCE = 'picked_ai_instance_name';

/**
 * APISIX's `node` label (`ctx.balancer_ip`): the picked AI instance's name on AI routes, else
 * the IP of the upstream node the request went to, "" when none was picked.
 */
export function nodeLabel(ctx: RequestContext): string {
  const picked = ctx.shared.get(PICKED_INSTANCE);
  if (typeof picked === 'string') return picked;
  const addr = ctx.vars.get('upstream_addr');
  if (addr === undefined || addr === '') return '';
  // "ip:port" (several attempts: "a:1, b:2" — the last one answered).
  const last = addr.lastIndexOf(', ');
  const one = last < 0 ? addr : addr.slice(last + 2);
  if (one.startsWith('[')) return one.slice(1, one.indexOf(']'));
  const colon = one.lastIndexOf(':');
  return colon < 0 ? one : one.slice(0, colon);
}

/** The AI label values every per-request family carries. */
export interface AiLabels {
  requestType: string;
  requestModel: string;
  model: string;
}

export function aiLabels(ctx: RequestContext): AiLabels {
  return {
    requestType: ctx.vars.get('request_type') ?? 'traditional_http',
    requestModel: modelToLabel(ctx.vars.get('request_llm_model')),
    model: modelToLabel(ctx.vars.get('llm_model')),
  };
}

/**
 * APISIX `core.response.get_response_source`: "upstream" when an upstream sent the response
 * head (the last `$upstream_header_time` entry is a time, not "-"; the AI transport sets only
 * `upstream_status` once a head arrived), "nginx" when the proxy tried an upstream that sent
 * none, else "apisix" (the gateway answered by itself).
 */
export function responseSource(ctx: RequestContext): string {
  const ht = ctx.vars.get('upstream_header_time');
  if (ht !== undefined && ht !== '') return ht.slice(ht.lastIndexOf(' ') + 1) === '-' ? 'nginx' : 'upstream';
  const st = ctx.vars.get('upstream_status');
  if (st !== undefined && st !== '') return 'upstream';
  const addr = ctx.vars.get('upstream_addr');
  return addr !== undefined && addr !== '' ? 'nginx' : 'apisix';
}
