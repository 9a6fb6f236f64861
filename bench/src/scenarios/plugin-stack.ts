import { runLoad, type LoadResult } from '../lib/load.js';
import { fmt } from '../lib/results.js';
import { BENCH_KEY, CHAT_BODY } from '../lib/routes.js';
import { med, pairedMed, type Ctx } from './context.js';

/**
 * Scenario 8 (issue 12): the plain ai-proxy route against the same ai-proxy behind key-auth +
 * limit-count (local) + cors + proxy-rewrite, at c=32. Each round runs both back to back
 * (order alternating); the ratio is paired per round.
 */
export async function pluginStack(ctx: Ctx): Promise<void> {
  const base = ctx.env.urls.portico;
  const specs = {
    plain: { url: `${base}/v1/chat/completions`, body: CHAT_BODY, connections: 32 },
    stack: { url: `${base}/stack/v1/chat/completions`, body: CHAT_BODY, headers: { apikey: BENCH_KEY }, connections: 32 },
  } as const;
  const load = (k: keyof typeof specs, durationSec: number): Promise<LoadResult> =>
    runLoad(ctx.procs, { ...specs[k], durationSec }, ctx.dir);
  if (ctx.cfg.warmupSec > 0) {
    await load('plain', ctx.cfg.warmupSec);
    await load('stack', ctx.cfg.warmupSec);
  }
  const runs: Record<'plain' | 'stack', LoadResult[]> = { plain: [], stack: [] };
  const reps = ctx.cfg.quick ? 1 : Math.max(ctx.cfg.reps, 6);
  for (let rep = 0; rep < reps; rep++) {
    for (const k of rep % 2 === 0 ? (['plain', 'stack'] as const) : (['stack', 'plain'] as const)) {
      const r = await load(k, ctx.cfg.durationSec);
      runs[k].push(r);
      ctx.log(
        `  ${k} rep ${rep + 1}: ${r.rps.toFixed(0)} req/s p99 ${(r.p99Us / 1000).toFixed(3)} ms${r.errors ? ` errors ${r.errors}` : ''}`,
      );
    }
  }
  ctx.results.raw.pluginStack = runs;
  const R = ctx.results;
  const s = '8 plugin stack';
  R.measure(
    s,
    'plain ai-proxy c=32 throughput',
    med(runs.plain, (r) => r.rps),
    'req/s',
  );
  R.measure(
    s,
    'key-auth + limit-count + cors + proxy-rewrite + ai-proxy c=32 throughput',
    med(runs.stack, (r) => r.rps),
    'req/s',
  );
  R.measure(s, 'plain ai-proxy c=32 p99', med(runs.plain, (r) => r.p99Us) / 1000, 'ms');
  R.measure(s, 'stack c=32 p99', med(runs.stack, (r) => r.p99Us) / 1000, 'ms');
  const ratio = pairedMed(runs.stack, runs.plain, (a, b) => a.rps / b.rps);
  R.target({
    scenario: s,
    target: 'key-auth + limit-count(local) + cors + proxy-rewrite + ai-proxy ≥ 0.85 × plain ai-proxy',
    measured: `${fmt(med(runs.stack, (r) => r.rps))} req/s`,
    ratio,
    ratioOf: 'plain',
    pass: ratio >= 0.85,
  });
}
