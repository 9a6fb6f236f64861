import type { RequestContext } from '@portico/plugin-sdk';
import { compileVarTemplate, type VarTemplate } from './var-template.js';

/** How a limit plugin derives its key (`key_type` + `key`), prepared once per conf. */
export type KeySource =
  | { type: 'var'; name: string }
  | { type: 'var_combination'; template: VarTemplate }
  | { type: 'constant'; value: string };

/** Prepare a key source from `key_type` and `key`. */
export function keySource(keyType: string, key: string): KeySource {
  if (keyType === 'var_combination') return { type: 'var_combination', template: compileVarTemplate(key) };
  if (keyType === 'constant') return { type: 'constant', value: key };
  return { type: 'var', name: key };
}

/**
 * The request's key: the variable's value, the combination (unset when no variable in it
 * resolved) or the constant; an unset key falls back to the client IP, as in
 * apisix/plugins/limit-count/init.lua run_rate_limit.
 */
export function resolveLimitKey(src: KeySource, ctx: RequestContext): string {
  let key: string | undefined;
  if (src.type === 'constant') key = src.value;
  else if (src.type === 'var') key = ctx.vars.get(src.name);
  else {
    const r = src.template.resolve((n) => ctx.vars.get(n));
    key = r.resolved === 0 ? undefined : r.value;
  }
  return key ?? ctx.vars.get('remote_addr') ?? ctx.remoteAddr;
}
