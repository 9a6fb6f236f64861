import cluster from 'node:cluster';
import { hostname } from 'node:os';
import { runningCheckers } from '../healthcheck/registry.js';
import { processChannel, type PodChannel } from '../pod-shared/channel.js';
import { parsePrometheusAttr, type PrometheusAttr } from './attr.js';
import { buildFamilies, type Families } from './families.js';
import type { NodeStatsProvider } from './node-stats.js';
import { isScrapeRequest, REPORT, type ReportMsg } from './protocol.js';
import { Recorder } from './recorder.js';
import type { GaugeValue } from './series.js';

/** The metric state of this process: families from plugin_attr and the worker's cells. */
export interface PrometheusRuntime {
  readonly attr: PrometheusAttr;
  readonly families: Families;
  readonly recorder: Recorder;
}

let runtime: PrometheusRuntime | undefined;

function createRuntime(attr: PrometheusAttr): PrometheusRuntime {
  const families = buildFamilies(attr);
  const recorder = new Recorder();
  recorder.addGaugeSource((out) => {
    for (const c of runningCheckers())
      out.push([families.upstreamStatus.index, [c.name, c.host, String(c.port)], c.healthy() ? 1 : 0]);
  });
  return { attr, families, recorder };
}

/** This process's runtime (APISIX defaults when {@link initPrometheusWorker} was not called). */
export function prometheusRuntime(): PrometheusRuntime {
  return (runtime ??= createRuntime(parsePrometheusAttr(undefined)));
}

/** This process's runtime if metrics are in use (initialised, or the plugin is configured). */
export function currentRuntime(): PrometheusRuntime | undefined {
  return runtime;
}

/** How a worker reports to the primary. */
export interface WorkerAgentOptions {
  channel?: PodChannel<object>;
  /** Push increments this often when there are any (default 1000 ms), so a crash loses little. */
  pushMs?: number;
}

/** A worker's handle on its metrics. */
export interface WorkerMetrics {
  readonly runtime: PrometheusRuntime;
  /** Register the data plane's node statistics (connections, requests, etcd). */
  setNodeStats(p: NodeStatsProvider): void;
  /** Send the pending increments now (before exiting); resolves once handed to the channel. */
  flush(): Promise<void>;
  /** Stop the periodic push. */
  stop(): void;
}

/**
 * Set up this process's metrics from `plugin_attr.prometheus` (throws PrometheusAttrError on a
 * bad value). In a node:cluster worker, answer the primary's scrape requests with the
 * increments since the last report and push them every `pushMs` when there are any: the
 * primary owns the totals, so counts reported before a worker dies stay in the pod's figures.
 */
export function initPrometheusWorker(rawAttr: unknown, opts: WorkerAgentOptions = {}): WorkerMetrics {
  const rt = createRuntime(parsePrometheusAttr(rawAttr));
  runtime = rt;
  const f = rt.families;
  let stats: NodeStatsProvider | undefined;
  rt.recorder.addGaugeSource((out: GaugeValue[]) => {
    if (stats === undefined) return;
    const s = stats();
    const c = s.connections;
    for (const [state, v] of [
      ['active', c.active],
      ['accepted', c.accepted],
      ['handled', c.handled],
      ['reading', c.reading],
      ['writing', c.writing],
      ['waiting', c.waiting],
    ] as const) {
      out.push([f.connections.index, [state], v]);
    }
    out.push([f.requests.index, [], s.requests]);
    if (s.etcd === undefined) return;
    out.push([f.etcdReachable.index, [], s.etcd.reachable ? 1 : 0]);
    for (const [k, v] of Object.entries(s.etcd.indexes)) out.push([f.etcdModifyIndexes.index, [k], v]);
  });
  const channel = opts.channel ?? (cluster.isWorker ? processChannel : undefined);
  let timer: NodeJS.Timeout | undefined;
  const send = (seq: number): void => {
    const msg: ReportMsg = { portico: REPORT, seq, report: rt.recorder.takeReport() };
    channel?.send(msg);
  };
  const flush = (): Promise<void> => {
    if (channel === undefined) return Promise.resolve();
    const msg: ReportMsg = { portico: REPORT, seq: 0, report: rt.recorder.takeReport() };
    if (channel !== processChannel || !process.connected || process.send === undefined) {
      channel.send(msg);
      return Promise.resolve();
    }
    // process.exit right after process.send can drop the message: wait for it to be written.
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 1000);
      process.send!(msg, undefined, undefined, () => {
        clearTimeout(t);
        resolve();
      });
    });
  };
  if (channel !== undefined) {
    channel.onMessage((m) => {
      if (isScrapeRequest(m)) send(m.seq);
    });
    timer = setInterval(() => {
      if (rt.recorder.dirty) send(0);
    }, opts.pushMs ?? 1000);
    timer.unref();
  }
  return {
    runtime: rt,
    setNodeStats: (p) => void (stats = p),
    flush,
    stop: () => clearInterval(timer),
  };
}

/** node_info's labels for this process. */
export function nodeInfoLabels(version: string): string[] {
  return [hostname(), version];
}
