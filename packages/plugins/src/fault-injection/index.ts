/**
 * fault-injection runtime (apisix/plugins/fault-injection.lua): in the rewrite phase, sleep
 * `delay.duration` seconds and/or end the request with `abort.http_status`, its body and
 * headers (both resolved as `$var` templates), each gated by `percentage` and by `vars`
 * (a list of lua-resty-expr rule sets, any one matching).
 */
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { definePlugin } from '@portico/plugin-helpers';
import { compileExpr, type CompiledExpr } from '@portico/schemas';
import { luaToString } from '../rewrite-util/headers.js';
import { compileVarTemplate, constTemplate, type VarTemplate } from '../rewrite-util/template.js';
import { faultInjectionDefinition, type FaultInjectionConf } from './schema.js';

/** A `vars` list: undefined when absent (always matches); any entry matching matches. */
type VarsGate = readonly CompiledExpr[] | undefined;

interface AbortState {
  status: number;
  body: VarTemplate | undefined;
  /** Header name → value template (strings) or fixed text (numbers). */
  headers: readonly [string, VarTemplate][];
  percentage: number | undefined;
  vars: VarsGate;
}

interface DelayState {
  ms: number;
  percentage: number | undefined;
  vars: VarsGate;
}

export interface FaultInjectionState {
  abort: AbortState | undefined;
  delay: DelayState | undefined;
  /** 1..100 inclusive, like Lua's math.random(1, 100); replaceable in tests. */
  random: () => number;
}

function compileGate(vars: unknown[][] | undefined): VarsGate {
  return vars === undefined ? undefined : vars.map((v) => compileExpr(v));
}

/** vars_match: the first rule set that holds wins; an empty list never matches. */
function gateOpen(gate: VarsGate, ctx: RequestContext): boolean {
  if (gate === undefined) return true;
  for (const e of gate) if (e.eval(ctx.vars)) return true;
  return false;
}

function sampleHit(percentage: number | undefined, random: () => number): boolean {
  return percentage === undefined || random() <= percentage;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function abortReply(a: AbortState, ctx: RequestContext): Reply {
  const reply: Reply = { status: a.status };
  if (a.body !== undefined) reply.body = a.body.render(ctx.vars);
  if (a.headers.length > 0) {
    const h: Record<string, string> = {};
    for (const [name, tpl] of a.headers) {
      const v = tpl.render(ctx.vars);
      // ngx.header[name] = "" sets nothing
      if (v !== '') h[name] = v;
    }
    reply.headers = h;
  }
  return reply;
}

export function prepareFaultInjection(conf: FaultInjectionConf, random?: () => number): FaultInjectionState {
  const a = conf.abort;
  const d = conf.delay;
  return {
    abort:
      a === undefined
        ? undefined
        : {
            status: a.http_status,
            body: a.body === undefined ? undefined : compileVarTemplate(a.body),
            headers: Object.entries(a.headers ?? {}).map(([k, v]) => [
              k.toLowerCase(),
              typeof v === 'number' ? constTemplate(luaToString(v)) : compileVarTemplate(v),
            ]),
            percentage: a.percentage,
            vars: compileGate(a.vars),
          },
    delay: d === undefined ? undefined : { ms: d.duration * 1000, percentage: d.percentage, vars: compileGate(d.vars) },
    random: random ?? (() => 1 + Math.floor(Math.random() * 100)),
  };
}

export const faultInjection = definePlugin<FaultInjectionConf, FaultInjectionState>(faultInjectionDefinition, {
  prepare: (conf) => prepareFaultInjection(conf),
  rewrite(ctx, s) {
    // Both gates are evaluated before the delay, as the Lua does.
    const abortOpen = s.abort === undefined || gateOpen(s.abort.vars, ctx);
    const delayOpen = s.delay === undefined || gateOpen(s.delay.vars, ctx);
    const abort = (): Reply | undefined =>
      s.abort !== undefined && sampleHit(s.abort.percentage, s.random) && abortOpen ? abortReply(s.abort, ctx) : undefined;
    if (s.delay !== undefined && sampleHit(s.delay.percentage, s.random) && delayOpen) {
      return sleep(s.delay.ms).then(abort);
    }
    return abort();
  },
});
