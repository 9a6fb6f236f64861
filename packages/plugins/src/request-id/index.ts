/**
 * request-id runtime (apisix/plugins/request-id.lua 3.18). rewrite: keep the client's id
 * from `header_name`, or generate one and add it to the request headers (so the upstream
 * receives it); either way it becomes `$apisix_request_id` (access log). header_filter: with
 * `include_in_response`, add it to the response unless the upstream already sent that header.
 */
import { definePlugin } from '@portico/plugin-helpers';
import { generatorFor } from './ids.js';
import { requestIdDefinition, type RequestIdConf } from './schema.js';

interface RequestIdState {
  /** Lower-cased header name (request headers are stored lower-cased). */
  header: string;
  generate: () => string;
  includeInResponse: boolean;
  /** ctx.shared key of the id (APISIX ctx["request-id-" .. header_name]). */
  sharedKey: string;
}

export const requestId = definePlugin<RequestIdConf, RequestIdState>(requestIdDefinition, {
  prepare(conf) {
    return {
      header: conf.header_name.toLowerCase(),
      generate: generatorFor(conf),
      includeInResponse: conf.include_in_response,
      sharedKey: `request-id-${conf.header_name}`,
    };
  },
  rewrite(ctx, state) {
    const sent = ctx.headers[state.header];
    let id = typeof sent === 'string' ? sent : sent?.[0];
    if (id === undefined || id === '') {
      id = state.generate();
      ctx.headers[state.header] = id;
    }
    if (state.includeInResponse) ctx.shared.set(state.sharedKey, id);
    ctx.vars.set('apisix_request_id', id);
  },
  headerFilter(ctx, state, res) {
    if (!state.includeInResponse) return;
    const have = res.headers[state.header];
    if (have !== undefined && have !== '') return;
    const id = ctx.shared.get(state.sharedKey);
    if (typeof id === 'string') res.headers[state.header] = id;
  },
});
