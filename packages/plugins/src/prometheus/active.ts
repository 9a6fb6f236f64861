import type { RequestContext } from '@portico/plugin-sdk';
import { applyDisabled, disabledLabels } from './observe.js';
import { aiLabels, nodeLabel } from './request-labels.js';
import type { GaugeCell } from './recorder.js';
import { LabelTrie } from './label-trie.js';
import { currentRuntime } from './runtime.js';

const cells = new LabelTrie<GaugeCell>();
let cellsFor: unknown;
let cellsOf: unknown;

/** ctx.shared key holding the llm_active_connections cell a request incremented. */
const TRACKED = 'prometheus.llm_active_connections';

/**
 * APISIX `exporter.inc_llm_active_connections`, called by the AI transport when it starts
 * talking to an instance: +1 on the series of this request's labels. Once per request (a
 * fallback reuses the count), so the log-phase decrement always balances it.
 */
export function trackLlmActive(ctx: RequestContext): void {
  const rt = currentRuntime();
  if (rt === undefined || ctx.shared.has(TRACKED)) return;
  const f = rt.families.llmActiveConnections;
  const v = ctx.vars;
  const ai = aiLabels(ctx);
  const routeId = ctx.routeId ?? '';
  const labels = [
    routeId === '' ? '' : (v.get('route_name') ?? ''),
    routeId,
    ctx.matchedUri ?? '',
    ctx.matchedHost ?? '',
    routeId === '' ? '' : (v.get('service_name') ?? ''),
    routeId === '' ? '' : (v.get('service_id') ?? ''),
    ctx.consumer?.username ?? '',
    nodeLabel(ctx),
    ai.requestType,
    ai.requestModel,
    ai.model,
  ];
  for (const n of f.extraVars) labels.push(v.get(n) ?? '');
  const disabled = disabledLabels(ctx.pluginMetadata?.('prometheus'));
  if (disabled !== cellsFor || rt !== cellsOf) {
    cells.clear();
    cellsFor = disabled;
    cellsOf = rt;
  }
  // Cells by label values: a repeated label set costs lookups, not a series key string.
  const t = cells.begin();
  for (const l of labels) t.step(l);
  const cell = t.leaf(() => rt.recorder.gauge(f, applyDisabled(f, labels, disabled)));
  cell.value++;
  ctx.shared.set(TRACKED, cell);
}

/** The matching decrement, from the AI plugins' log phase. */
export function untrackLlmActive(ctx: RequestContext): void {
  const cell = ctx.shared.get(TRACKED) as GaugeCell | undefined;
  if (cell === undefined) return;
  cell.value--;
  ctx.shared.delete(TRACKED);
}
