import cluster, { type Worker } from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@portico/plugin-sdk';
import { parsePrometheusAttr } from './attr.js';
import { EXPOSITION_CONTENT_TYPE } from './exposition.js';
import { buildFamilies } from './families.js';
import { isReport, SCRAPE_REQUEST, type ScrapeRequest } from './protocol.js';
import { nodeInfoLabels } from './runtime.js';
import { MetricStore } from './store.js';

/** The running exporter of a data-plane pod. */
export interface PrometheusExporter {
  /** Bound port of the export server. */
  readonly port: number;
  /** Ask every worker for its increments, then render the pod's exposition. */
  scrape(): Promise<string>;
  close(): Promise<void>;
}

export interface ExporterOptions {
  logger: Logger;
  /** node_info's version label (the APISIX version Portico reports). */
  version: string;
  /** How long a scrape waits for the workers' answers (default 2000 ms). */
  scrapeTimeoutMs?: number;
}

/** Worker id of the primary's own gauges (node_info) in the store. */
const PRIMARY = -1;

/**
 * Host the pod's metric totals in the node:cluster primary and serve them on
 * `plugin_attr.prometheus.export_addr` + `export_uri` (APISIX: 127.0.0.1:9091
 * /apisix/prometheus/metrics). Workers push increments; a scrape first asks every live worker
 * for what it has not reported yet, then renders. Resolves undefined when
 * `enable_export_server` is false or the address cannot be bound (logged).
 */
export async function startPrometheusExporter(rawAttr: unknown, opts: ExporterOptions): Promise<PrometheusExporter | undefined> {
  const attr = parsePrometheusAttr(rawAttr);
  if (!attr.enableExportServer) return undefined;
  const families = buildFamilies(attr);
  const store = new MetricStore(families);
  store.apply(PRIMARY, { deltas: [], gauges: [[families.nodeInfo.index, nodeInfoLabels(opts.version), 1]] });

  let seq = 0;
  const waiting = new Map<number, { left: Set<number>; done: () => void }>();
  const onMessage = (w: Worker, m: unknown): void => {
    if (!isReport(m)) return;
    store.apply(w.id, m.report);
    const wait = m.seq === 0 ? undefined : waiting.get(m.seq);
    if (wait !== undefined && wait.left.delete(w.id) && wait.left.size === 0) wait.done();
  };
  const onExit = (w: Worker): void => {
    store.dropWorker(w.id);
    for (const wait of waiting.values()) if (wait.left.delete(w.id) && wait.left.size === 0) wait.done();
  };
  cluster.on('message', onMessage);
  cluster.on('exit', onExit);

  const scrape = async (): Promise<string> => {
    const id = ++seq;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
    if (workers.length > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, opts.scrapeTimeoutMs ?? 2000);
        function finish(): void {
          clearTimeout(timer);
          waiting.delete(id);
          resolve();
        }
        waiting.set(id, { left: new Set(workers.map((w) => w.id)), done: finish });
        const req: ScrapeRequest = { portico: SCRAPE_REQUEST, seq: id };
        for (const w of workers) w.send(req, undefined, () => undefined);
      });
    }
    return store.render();
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== attr.exportUri) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end();
      return;
    }
    scrape().then(
      (text) => {
        res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE });
        res.end(text);
      },
      (e: unknown) => {
        opts.logger.error({ err: (e as Error).message }, 'prometheus: failed to collect metrics');
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"message":"An unexpected error occurred"}\n');
      },
    );
  });
  const bound = await new Promise<number | undefined>((resolve) => {
    server.once('error', (e) => {
      opts.logger.error(
        { err: e.message, addr: attr.exportAddr },
        'prometheus: cannot listen on plugin_attr.prometheus.export_addr, metrics are not exported',
      );
      resolve(undefined);
    });
    server.listen(attr.exportAddr.port, attr.exportAddr.ip, () => resolve((server.address() as AddressInfo).port));
  });
  if (bound === undefined) {
    cluster.off('message', onMessage);
    cluster.off('exit', onExit);
    return undefined;
  }
  opts.logger.info({ addr: `${attr.exportAddr.ip}:${bound}`, uri: attr.exportUri }, 'prometheus exporter listening');
  return {
    port: bound,
    scrape,
    close: () =>
      new Promise<void>((resolve) => {
        cluster.off('message', onMessage);
        cluster.off('exit', onExit);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
