/**
 * In-process router measurements (its own process, run with --expose-gc):
 *   node --expose-gc dist/scenarios/scale-worker.js '{"routerModule":"...","routes":10000}'
 * Imports the data plane's built router (apps/data-plane/dist/router/router.js) and prints
 * build time, match latency per call and memory.
 */
import { pathToFileURL } from 'node:url';
import { RESULT_MARK } from '../lib/procs.js';
import { median, summarize } from '../lib/stats.js';
import { requestFor, synthRoutes } from './route-mix.js';

interface RouterLike {
  match(req: Record<string, unknown>): unknown;
}
interface RouterModule {
  Router: { build(specs: unknown[]): { router: RouterLike; errors: unknown[] } };
}

const args = JSON.parse(process.argv[2] ?? '{}') as { routerModule: string; routes: number };
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mod = (await import(pathToFileURL(args.routerModule).href)) as RouterModule;

gc();
const rss0 = process.memoryUsage().rss;
const routes = synthRoutes(args.routes);
const specs = routes.map((r) => ({ ...r, handle: r.id }));
let built = mod.Router.build(specs);
if (built.errors.length) throw new Error(`router refused routes: ${JSON.stringify(built.errors.slice(0, 3))}`);

// Full rebuild after one change: the whole table is rebuilt with one route edited.
const buildMs: number[] = [];
for (let i = 0; i < 7; i++) {
  const changed = specs.slice();
  changed[i] = { ...changed[i]!, uris: [`/s/changed/${i}`] };
  const t0 = performance.now();
  built = mod.Router.build(changed);
  buildMs.push(performance.now() - t0);
}
// Match against the unedited table.
const router = mod.Router.build(specs).router;
built = { router, errors: [] };
gc();
const rss1 = process.memoryUsage().rss;

const vars = { get: () => undefined };
const reqs = Array.from({ length: 4096 }, (_, j) => {
  const i = (j * 7919) % args.routes;
  const miss = j % 16 === 0;
  const r = requestFor(i);
  return { uri: miss ? `/nope/${j}` : r.uri, method: r.method, host: r.host, httpHost: r.host, remoteAddr: '127.0.0.1', vars };
});
let wrong = 0;
for (let j = 0; j < reqs.length; j++) {
  const h = router.match(reqs[j]!);
  if (j % 16 !== 0 && h === undefined) wrong++;
}
// Warm up, then time single calls (hrtime overhead ~50 ns is included, so this is an upper bound).
for (let k = 0; k < 200_000; k++) router.match(reqs[k & 4095]!);
const ns: number[] = [];
for (let k = 0; k < 200_000; k++) {
  const req = reqs[k & 4095]!;
  const t0 = process.hrtime.bigint();
  router.match(req);
  ns.push(Number(process.hrtime.bigint() - t0));
}
const t0 = process.hrtime.bigint();
for (let k = 0; k < 1_000_000; k++) router.match(reqs[k & 4095]!);
const meanNs = Number(process.hrtime.bigint() - t0) / 1_000_000;
const s = summarize(ns);
process.stdout.write(
  `${RESULT_MARK}${JSON.stringify({ routes: args.routes, buildMsMedian: median(buildMs), buildMsMax: Math.max(...buildMs), matchP50Us: s.p50 / 1000, matchP99Us: s.p99 / 1000, matchMeanUs: meanNs / 1000, unmatchedHits: wrong, rssRouterMb: (rss1 - rss0) / 1048576, rssTotalMb: rss1 / 1048576 })}\n`,
);
