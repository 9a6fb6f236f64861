import { join } from 'node:path';
import { projectRoot } from '@portico/testkit';
import { fetchText, pollUntil, rssMb } from '../lib/admin.js';
import { etcdPutMany } from '../lib/etcd-bulk.js';
import { runLoad } from '../lib/load.js';
import { fmt } from '../lib/results.js';
import { median } from '../lib/stats.js';
import { convergeOnce } from './convergence.js';
import type { Ctx } from './context.js';
import { requestFor, synthRoutes } from './route-mix.js';

interface WorkerResult {
  routes: number;
  buildMsMedian: number;
  buildMsMax: number;
  matchP50Us: number;
  matchP99Us: number;
  matchMeanUs: number;
  unmatchedHits: number;
  rssRouterMb: number;
  rssTotalMb: number;
}

/** Scenario 6: 10,000 routes (router in-process, then loaded into the running data plane) and 10,000 consumers. */
export async function scale(ctx: Ctx): Promise<void> {
  const S = '6 scale';
  const R = ctx.results;
  const n = ctx.cfg.scaleRoutes;
  const routerModule = join(projectRoot, 'apps', 'data-plane', 'dist', 'router', 'router.js');
  const worker = new URL('./scale-worker.js', import.meta.url).pathname;
  ctx.log(`scale: router with ${n} routes in-process`);
  const w = await ctx.procs.runJson<WorkerResult>(
    process.execPath,
    ['--expose-gc', worker, JSON.stringify({ routerModule, routes: n })],
    120_000,
  );
  R.raw.scaleRouter = w;
  R.measure(
    S,
    `router match p50 (${n} routes)`,
    w.matchP50Us,
    'µs',
    `mean ${fmt(w.matchMeanUs)} µs; ${w.unmatchedHits} expected hits missed`,
  );
  R.measure(S, `router heap growth (${n} routes)`, w.rssRouterMb, 'MB');
  R.target({
    scenario: S,
    target: `${n} routes: match p99 ≤ 5 µs`,
    measured: fmt(w.matchP99Us, 'µs'),
    ratio: w.matchP99Us / 5,
    ratioOf: 'goal',
    pass: w.matchP99Us <= 5 && w.unmatchedHits === 0,
  });
  R.target({
    scenario: S,
    target: `${n} routes: router rebuild ≤ 500 ms`,
    measured: `${fmt(w.buildMsMedian, 'ms')} (max ${fmt(w.buildMsMax, 'ms')})`,
    ratio: w.buildMsMedian / 500,
    ratioOf: 'goal',
    pass: w.buildMsMedian <= 500,
  });

  // The same table in the running data plane, through etcd.
  const { etcd, portico, mockPort } = ctx.env;
  const dp = portico.dataPlanes[0]!;
  const upstream = { type: 'roundrobin', nodes: { [`127.0.0.1:${mockPort}`]: 1 } };
  const rssBefore = await rssMb(dp.process.pid);
  const t0 = performance.now();
  const routes = synthRoutes(n);
  await etcdPutMany(
    etcd.endpoint,
    routes.map((r) => [
      `/apisix/routes/${r.id}`,
      {
        id: r.id,
        ...(r.uris.length === 1 ? { uri: r.uris[0] } : { uris: r.uris }),
        ...(r.methods ? { methods: r.methods } : {}),
        ...(r.hosts ? { hosts: r.hosts } : {}),
        ...(r.priority !== undefined ? { priority: r.priority } : {}),
        upstream,
      },
    ]),
  );
  const last = requestFor(n - 1);
  const loaded = await pollUntil(
    async () => (await fetchText(`${dp.url}${last.uri}`, { method: last.method, headers: { host: last.host } })).status === 200,
    60_000,
    50,
  );
  const loadMs = performance.now() - t0;
  if (!loaded) {
    R.note(`scale: the data plane did not serve route ${n - 1} within 60 s`);
    return;
  }
  R.measure(S, `etcd bulk load of ${n} routes → all served`, loadMs, 'ms');
  const changes: number[] = [];
  for (let i = 0; i < (ctx.cfg.quick ? 2 : 5); i++)
    changes.push(...(await convergeOnce(ctx, `scale-change-${i}`, `/scale-change/${i}`)));
  const rssRoutes = await rssMb(dp.process.pid);
  R.measure(
    S,
    `one Admin change → served with ${n} routes (all data planes)`,
    median(changes),
    'ms',
    `max ${fmt(Math.max(...changes))} ms`,
  );
  R.target({
    scenario: S,
    target: `${n} routes: data-plane RSS ≤ 300 MB`,
    measured: `${fmt(rssRoutes, 'MB')} (before load ${fmt(rssBefore, 'MB')})`,
    ratio: rssRoutes / 300,
    ratioOf: 'goal',
    pass: rssRoutes <= 300,
  });

  // 10,000 consumers with key-auth.
  const m = ctx.cfg.scaleConsumers;
  const authUrl = `${dp.url}/multi/local`;
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  const before = await runLoad(
    ctx.procs,
    { url: authUrl, body, headers: { apikey: 'bench-consumer-key' }, connections: 1, durationSec: ctx.cfg.durationSec },
    ctx.dir,
  );
  const t1 = performance.now();
  await etcdPutMany(
    etcd.endpoint,
    Array.from(
      { length: m },
      (_, i) =>
        [`/apisix/consumers/c${i}`, { username: `c${i}`, plugins: { 'key-auth': { key: `key-${i}` } } }] as [string, unknown],
    ),
  );
  const lastKey = `key-${m - 1}`;
  const ok = await pollUntil(
    async () => (await fetchText(authUrl, { body, headers: { apikey: lastKey } })).status === 200,
    60_000,
    50,
  );
  if (!ok) {
    R.note(`scale: consumer c${m - 1} was not accepted within 60 s`);
    return;
  }
  R.measure(S, `etcd bulk load of ${m} consumers → key accepted`, performance.now() - t1, 'ms');
  const after = await runLoad(
    ctx.procs,
    { url: authUrl, body, headers: { apikey: lastKey }, connections: 1, durationSec: ctx.cfg.durationSec },
    ctx.dir,
  );
  R.measure(
    S,
    `key-auth route c=1 p50 with 1 → ${m} consumers`,
    after.p50Us / 1000,
    'ms',
    `before ${fmt(before.p50Us / 1000)} ms; p99 ${fmt(before.p99Us / 1000)} → ${fmt(after.p99Us / 1000)} ms`,
  );
  R.measure(S, `data-plane RSS with ${n} routes + ${m} consumers`, await rssMb(dp.process.pid), 'MB');
}
