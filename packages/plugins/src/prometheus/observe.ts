import type { RequestContext } from '@portico/plugin-sdk';
import type { Family } from './families.js';
import { METRIC_LABELS, type LabelledMetric } from './labels.js';
import { LabelTrie } from './label-trie.js';
import type { PrometheusRuntime } from './runtime.js';
import { aiLabels, nodeLabel, responseSource } from './request-labels.js';
import type { PrometheusMetadata } from './schema.js';
import type { CounterCell, HistogramCell } from './series.js';
import { observeAiCache } from './ai-cache.js';

/** The cells one request shape updates, resolved once per distinct label set. */
interface LabelSet {
  status: CounterCell;
  latencyRequest: HistogramCell;
  latencyUpstream: HistogramCell;
  latencyApisix: HistogramCell;
  ingress: CounterCell;
  egress: CounterCell;
  llm: LlmCells | undefined;
}

interface LlmCells {
  total: HistogramCell;
  ttft: HistogramCell;
  prompt: CounterCell;
  completion: CounterCell;
  promptDist: HistogramCell;
  completionDist: HistogramCell;
}

/** metric → disabled label positions, per metadata object. */
type Disabled = ReadonlyMap<string, ReadonlySet<number>>;
const NONE: Disabled = new Map();
const disabledByMeta = new WeakMap<object, Disabled>();

/** APISIX get_disabled_label_metric_map, built once per plugin_metadata value. */
export function disabledLabels(meta: Readonly<Record<string, unknown>> | undefined): Disabled {
  const dl = (meta as PrometheusMetadata | undefined)?.disabled_labels;
  if (meta === undefined || dl === undefined) return NONE;
  let d = disabledByMeta.get(meta);
  if (d === undefined) {
    const m = new Map<string, Set<number>>();
    for (const [metric, labels] of Object.entries(dl)) {
      const order: readonly string[] = METRIC_LABELS[metric as LabelledMetric] ?? [];
      m.set(metric, new Set((labels ?? []).map((l) => order.indexOf(l)).filter((i) => i >= 0)));
    }
    disabledByMeta.set(meta, (d = m));
  }
  return d;
}

/** Label values with disabled built-in labels blanked (extra labels after them stay). */
export function applyDisabled(f: Family, values: string[], disabled: Disabled): string[] {
  const off = disabled.get(f.name);
  if (off !== undefined) for (const i of off) values[i] = '';
  return values;
}

/** Bound on distinct label sets remembered per observer (more: the cache starts over). */
const MAX_CACHED = 20_000;

/**
 * APISIX exporter `http_log`: one observation per request of http_status, http_latency
 * (request / upstream / apisix), bandwidth (ingress / egress) and, for AI requests, the LLM
 * families. Label sets are resolved to cells once and cached in a trie over their values, so a
 * repeated request shape costs a few map lookups (no key string built) before its numbers update.
 */
export class Observer {
  private readonly trie = new LabelTrie<LabelSet>(MAX_CACHED);
  private cachedFor: Disabled = NONE;
  private readonly hasExtra: boolean;

  constructor(
    private readonly rt: PrometheusRuntime,
    private readonly preferName: boolean,
  ) {
    const f = rt.families;
    this.hasExtra = [
      f.status,
      f.latency,
      f.bandwidth,
      f.llmLatency,
      f.llmPromptTokens,
      f.llmCompletionTokens,
      f.llmPromptTokensDist,
      f.llmCompletionTokensDist,
    ].some((x) => x.extraVars.length > 0);
  }

  log(ctx: RequestContext): void {
    const v = ctx.vars;
    const disabled = disabledLabels(ctx.pluginMetadata?.('prometheus'));
    if (disabled !== this.cachedFor) {
      this.trie.clear();
      this.cachedFor = disabled;
    }
    let route = ctx.routeId ?? '';
    let service = route === '' ? '' : (v.get('service_id') ?? '');
    if (this.preferName && route !== '') {
      route = v.get('route_name') || route;
      if (service !== '') service = v.get('service_name') || service;
    }
    const status = v.get('status') ?? String(ctx.status);
    const matchedUri = ctx.matchedUri ?? '';
    const matchedHost = ctx.matchedHost ?? '';
    const consumer = ctx.consumer?.username ?? '';
    const node_ = nodeLabel(ctx);
    const ai = aiLabels(ctx);
    const source = responseSource(ctx);
    // A trie over the label values (no key string to build and hash per request).
    const t = this.trie.begin().step(status).step(route).step(matchedUri).step(matchedHost).step(service).step(consumer);
    t.step(node_).step(ai.requestType).step(ai.requestModel).step(ai.model).step(source);
    if (this.hasExtra) for (const x of this.extraValues(ctx)) t.step(x);
    const set = t.leaf(() =>
      this.resolve(ctx, disabled, { status, route, matchedUri, matchedHost, service, consumer, node: node_, ...ai, source }),
    );
    const rec = this.rt.recorder;
    rec.inc(set.status, 1);
    const latency = Number(process.hrtime.bigint() - ctx.startNs) / 1e6;
    rec.observe(set.latencyRequest, latency);
    let apisixLatency = latency;
    const urt = v.get('upstream_response_time');
    if (urt !== undefined && urt !== '' && urt !== '-') {
      const up = parseFloat(urt.slice(urt.lastIndexOf(' ') + 1)) * 1000;
      if (Number.isFinite(up)) {
        rec.observe(set.latencyUpstream, up);
        apisixLatency = Math.max(0, latency - up);
      }
    }
    rec.observe(set.latencyApisix, apisixLatency);
    rec.inc(set.ingress, Number(v.get('request_length') ?? 0) || 0);
    rec.inc(set.egress, Number(v.get('bytes_sent') ?? 0) || 0);

    observeAiCache(this.rt, ctx, disabled, consumer, node_, ai);
    if (ai.requestType !== 'ai_chat' && ai.requestType !== 'ai_stream') return;
    const llm = (set.llm ??= this.resolveLlm(
      ctx,
      disabled,
      route,
      service,
      consumer,
      node_,
      ai.requestType,
      ai.requestModel,
      ai.model,
    ));
    const ttft = v.get('llm_time_to_first_token') ?? '0';
    // llm_latency has no status label: it measures served responses only (APISIX #13487).
    if (ttft !== '0' && (Number(status) || 0) < 400) {
      rec.observe(llm.total, Number(v.get('apisix_upstream_response_time')));
      if (ai.requestType === 'ai_stream') rec.observe(llm.ttft, Number(ttft));
    }
    const prompt = Number(v.get('llm_prompt_tokens') ?? 0) || 0;
    const completion = Number(v.get('llm_completion_tokens') ?? 0) || 0;
    rec.inc(llm.prompt, prompt);
    rec.observe(llm.promptDist, prompt);
    rec.inc(llm.completion, completion);
    rec.observe(llm.completionDist, completion);
  }

  private extraValues(ctx: RequestContext): string[] {
    const f = this.rt.families;
    const out: string[] = [];
    for (const fam of [
      f.status,
      f.latency,
      f.bandwidth,
      f.llmLatency,
      f.llmPromptTokens,
      f.llmCompletionTokens,
      f.llmPromptTokensDist,
      f.llmCompletionTokensDist,
    ]) {
      for (const name of fam.extraVars) out.push(ctx.vars.get(name) ?? '');
    }
    return out;
  }

  /** Extra label values of one family for this request. */
  private extra(ctx: RequestContext, f: Family): string[] {
    return f.extraVars.map((n) => ctx.vars.get(n) ?? '');
  }

  private resolve(
    ctx: RequestContext,
    disabled: Disabled,
    l: {
      status: string;
      route: string;
      matchedUri: string;
      matchedHost: string;
      service: string;
      consumer: string;
      node: string;
      requestType: string;
      requestModel: string;
      model: string;
      source: string;
    },
  ): LabelSet {
    const f = this.rt.families;
    const rec = this.rt.recorder;
    const common = [l.route, l.service, l.consumer, l.node, l.requestType, l.requestModel, l.model];
    const lat = (type: string): HistogramCell =>
      rec.histogram(f.latency, applyDisabled(f.latency, [type, ...common, ...this.extra(ctx, f.latency)], disabled));
    const bw = (type: string): CounterCell =>
      rec.counter(f.bandwidth, applyDisabled(f.bandwidth, [type, ...common, ...this.extra(ctx, f.bandwidth)], disabled));
    return {
      status: rec.counter(
        f.status,
        applyDisabled(
          f.status,
          [
            l.status,
            l.route,
            l.matchedUri,
            l.matchedHost,
            l.service,
            l.consumer,
            l.node,
            l.requestType,
            l.requestModel,
            l.model,
            l.source,
            ...this.extra(ctx, f.status),
          ],
          disabled,
        ),
      ),
      latencyRequest: lat('request'),
      latencyUpstream: lat('upstream'),
      latencyApisix: lat('apisix'),
      ingress: bw('ingress'),
      egress: bw('egress'),
      llm: undefined,
    };
  }

  private resolveLlm(
    ctx: RequestContext,
    disabled: Disabled,
    routeId: string,
    serviceId: string,
    consumer: string,
    node: string,
    requestType: string,
    requestModel: string,
    model: string,
  ): LlmCells {
    const f = this.rt.families;
    const rec = this.rt.recorder;
    const base = [routeId, serviceId, consumer, node, requestType, requestModel, model];
    const labels = (fam: Family, lead: string[] = []): string[] =>
      applyDisabled(fam, [...lead, ...base, ...this.extra(ctx, fam)], disabled);
    return {
      total: rec.histogram(f.llmLatency, labels(f.llmLatency, ['total'])),
      ttft: rec.histogram(f.llmLatency, labels(f.llmLatency, ['ttft'])),
      prompt: rec.counter(f.llmPromptTokens, labels(f.llmPromptTokens)),
      completion: rec.counter(f.llmCompletionTokens, labels(f.llmCompletionTokens)),
      promptDist: rec.histogram(f.llmPromptTokensDist, labels(f.llmPromptTokensDist)),
      completionDist: rec.histogram(f.llmCompletionTokensDist, labels(f.llmCompletionTokensDist)),
    };
  }
}
