import { request } from 'undici';
import { adminPut, cpuSeconds } from '../lib/admin.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { fmt } from '../lib/results.js';
import { CHAT_BODY } from '../lib/routes.js';
import { median } from '../lib/stats.js';
import { med, pairedMed, type Ctx } from './context.js';

/** The global rule the scenario toggles. */
const RULE = 'global_rules/bench-prometheus';
/** Time for the data plane to apply a global-rule change (etcd watch; convergence p99 is far below). */
const SETTLE_MS = 500;

async function prometheusRule(ctx: Ctx, on: boolean): Promise<void> {
  const { portico } = ctx.env;
  if (on) await adminPut(portico.adminUrl, portico.adminKey, RULE, { plugins: { prometheus: {} } });
  else {
    const res = await request(`${portico.adminUrl}/apisix/admin/${RULE}`, {
      method: 'DELETE',
      headers: { 'x-api-key': portico.adminKey },
    });
    await res.body.text();
    if (res.statusCode >= 300 && res.statusCode !== 404) throw new Error(`DELETE ${RULE}: ${res.statusCode}`);
  }
  await new Promise((r) => setTimeout(r, SETTLE_MS));
}

/**
 * Scenario 7 (issue 11): the ai-proxy route at c=32 with the prometheus plugin on a global rule
 * against the same route without it. The rule is switched between runs, so each round runs
 * "without" and "with" back to back (order alternating) and the ratio is paired per round.
 */
export async function prometheusCost(ctx: Ctx): Promise<void> {
  const url = `${ctx.env.urls.portico}/v1/chat/completions`;
  const load = (): Promise<LoadResult> =>
    runLoad(ctx.procs, { url, body: CHAT_BODY, connections: 32, durationSec: ctx.cfg.durationSec }, ctx.dir);
  const runs: Record<'off' | 'on', LoadResult[]> = { off: [], on: [] };
  /** Data-plane CPU µs per request of each run (primary + workers). */
  const cpu: Record<'off' | 'on', number[]> = { off: [], on: [] };
  const dpPid = ctx.env.portico.dataPlanes[0]!.process.pid;
  if (ctx.cfg.warmupSec > 0) {
    await prometheusRule(ctx, true);
    await runLoad(ctx.procs, { url, body: CHAT_BODY, connections: 32, durationSec: ctx.cfg.warmupSec }, ctx.dir);
  }
  // More rounds than the shared default: the on/off difference is small next to machine noise.
  const reps = ctx.cfg.quick ? 1 : Math.max(ctx.cfg.reps, 6);
  for (let rep = 0; rep < reps; rep++) {
    for (const state of rep % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      await prometheusRule(ctx, state === 'on');
      const cpu0 = await cpuSeconds(dpPid);
      const r = await load();
      const cpu1 = await cpuSeconds(dpPid);
      runs[state].push(r);
      cpu[state].push(((cpu1 - cpu0) * 1e6) / Math.max(1, r.requests));
      ctx.log(
        `  prometheus ${state} rep ${rep + 1}: ${r.rps.toFixed(0)} req/s p99 ${(r.p99Us / 1000).toFixed(3)} ms, data plane ${cpu[state].at(-1)!.toFixed(0)} µs CPU/request${r.errors ? ` errors ${r.errors}` : ''}`,
      );
    }
  }
  await prometheusRule(ctx, false);
  ctx.results.raw.prometheus = { runs, cpuUsPerRequest: cpu };
  const R = ctx.results;
  const s = '7 prometheus global rule';
  R.measure(
    s,
    'ai-proxy c=32 throughput without',
    med(runs.off, (r) => r.rps),
    'req/s',
  );
  R.measure(
    s,
    'ai-proxy c=32 throughput with',
    med(runs.on, (r) => r.rps),
    'req/s',
  );
  R.measure(s, 'ai-proxy c=32 p99 without', med(runs.off, (r) => r.p99Us) / 1000, 'ms');
  R.measure(s, 'ai-proxy c=32 p99 with', med(runs.on, (r) => r.p99Us) / 1000, 'ms');
  R.measure(s, 'data-plane CPU per request without', median(cpu.off), 'µs');
  R.measure(s, 'data-plane CPU per request with', median(cpu.on), 'µs');
  // CPU-bound, throughput is inverse to CPU per request: the CPU ratio predicts the throughput
  // ratio and does not move with other load on a shared machine the way req/s does.
  const cpuRatio = median(cpu.off.map((off, i) => off / (cpu.on[i] ?? Number.NaN)));
  R.measure(s, 'throughput ratio implied by CPU per request (without / with)', cpuRatio, '×');
  const ratio = pairedMed(runs.on, runs.off, (a, b) => a.rps / b.rps);
  R.target({
    scenario: s,
    target: 'data-plane CPU per request: without / with ≥ 0.9',
    measured: `${fmt(median(cpu.on))} µs with, ${fmt(median(cpu.off))} µs without`,
    ratio: cpuRatio,
    ratioOf: 'without',
    pass: cpuRatio >= 0.9,
  });
  R.target({
    scenario: s,
    target: 'ai-proxy c=32 with prometheus on a global rule ≥ 0.9 × without',
    measured: `${fmt(med(runs.on, (r) => r.rps))} req/s`,
    ratio,
    ratioOf: 'without',
    pass: ratio >= 0.9,
  });
}
