import { adminPut, fetchText } from '../lib/admin.js';
import { fmt } from '../lib/results.js';
import { summarize } from '../lib/stats.js';
import type { Ctx } from './context.js';

/** Time (ms) from just before an Admin API PUT until every data plane serves the new route. */
export async function convergeOnce(ctx: Ctx, id: string, uri: string): Promise<number[]> {
  const { portico, mockPort } = ctx.env;
  const t0 = performance.now();
  await adminPut(portico.adminUrl, portico.adminKey, `routes/${id}`, {
    uri,
    upstream: { type: 'roundrobin', nodes: { [`127.0.0.1:${mockPort}`]: 1 } },
  });
  return Promise.all(
    portico.dataPlanes.map(async (dp) => {
      const deadline = t0 + 10_000;
      while (performance.now() < deadline) {
        if ((await fetchText(`${dp.url}${uri}`)).status === 200) return performance.now() - t0;
        await new Promise((r) => setTimeout(r, 2));
      }
      return Number.POSITIVE_INFINITY;
    }),
  );
}

/** Scenario 5: Admin write → served by each of N data planes. */
export async function convergence(ctx: Ctx): Promise<void> {
  const { portico } = ctx.env;
  while (portico.dataPlanes.length < ctx.cfg.dataPlanes) await portico.addDataPlane();
  const n = portico.dataPlanes.length;
  ctx.log(`convergence: ${ctx.cfg.convergenceWrites} writes, ${n} data planes`);
  const samples: number[] = [];
  for (let i = 0; i < ctx.cfg.convergenceWrites; i++) {
    samples.push(...(await convergeOnce(ctx, `conv-${i}`, `/conv/${i}`)));
    await new Promise((r) => setTimeout(r, 30));
  }
  const s = summarize(samples);
  ctx.results.raw.convergence = { dataPlanes: n, samples };
  const S = '5 convergence';
  ctx.results.measure(S, `write → served on ${n} data planes p50`, s.p50, 'ms');
  ctx.results.measure(S, `write → served on ${n} data planes p99`, s.p99, 'ms', `max ${fmt(s.max)} ms, ${s.n} samples`);
  ctx.results.target({
    scenario: S,
    target: `convergence p99 ≤ 100 ms across ${n} data planes`,
    measured: fmt(s.p99, 'ms'),
    ratio: s.p99 / 100,
    ratioOf: 'goal',
    pass: n >= 4 ? s.p99 <= 100 : undefined,
  });
}
