/**
 * Portico benchmark suite entry: `pnpm bench` (full, ≤ 10 min) or `pnpm bench -- --quick` (≤ 60 s smoke).
 * Options: --quick, --only non-streaming,streaming,convergence,scale,prometheus,plugin-stack,tail,soak, --cpu-prof (profile
 * the data planes), --soak-min N (soak length, default 30). `tail` and `soak` run only when named in --only.
 * Everything runs on 127.0.0.1; every process started is stopped by PID at the end.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEnv } from './lib/env.js';
import { findWrk } from './lib/load.js';
import { Procs } from './lib/procs.js';
import { hotSpots, profileOf } from './lib/profile.js';
import { Results, renderMarkdown } from './lib/results.js';
import type { Ctx, RunConfig } from './scenarios/context.js';
import { convergence } from './scenarios/convergence.js';
import { nonStreaming } from './scenarios/non-streaming.js';
import { pluginStack } from './scenarios/plugin-stack.js';
import { prometheusCost } from './scenarios/prometheus.js';
import { scale } from './scenarios/scale.js';
import { streaming } from './scenarios/streaming.js';
import { soak } from './scenarios/soak.js';
import { tail } from './scenarios/tail.js';

const SCENARIOS = {
  'non-streaming': nonStreaming,
  streaming,
  convergence,
  scale,
  prometheus: prometheusCost,
  'plugin-stack': pluginStack,
  'ai-failover': (await import('./scenarios/ai-failover.js')).aiFailover, // ai-routing (issue 15)
  tail,
  soak,
} as const;
type Name = keyof typeof SCENARIOS;
/** Run only when named with --only: issue 16's table (≈5 min) and the soak (30 min by default). */
const ON_REQUEST: readonly Name[] = ['tail', 'soak'];

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const cpuProf = argv.includes('--cpu-prof');
const onlyArg =
  argv.find((a) => a.startsWith('--only='))?.slice(7) ?? (argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined);
const only = (onlyArg ? onlyArg.split(',') : Object.keys(SCENARIOS).filter((n) => !ON_REQUEST.includes(n as Name))) as Name[];
for (const n of only)
  if (!(n in SCENARIOS)) throw new Error(`unknown scenario ${n}; known: ${Object.keys(SCENARIOS).join(', ')}`);

const cfg: RunConfig = quick
  ? {
      quick,
      reps: 1,
      durationSec: 1,
      warmupSec: 0,
      loads: [32],
      bigStreams: 64,
      dataPlanes: 2,
      convergenceWrites: 5,
      scaleRoutes: 2000,
      scaleConsumers: 1000,
    }
  : {
      quick,
      reps: 3,
      durationSec: 2,
      warmupSec: 1,
      loads: [32, 64],
      bigStreams: 512,
      dataPlanes: 4,
      convergenceWrites: 40,
      scaleRoutes: 10_000,
      scaleConsumers: 10_000,
    };

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(benchDir, 'results');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const runDir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
const profDir = join(resultsDir, `profiles-${stamp}`);
mkdirSync(resultsDir, { recursive: true });
if (cpuProf) mkdirSync(profDir, { recursive: true });
const started = Date.now();
const log = (m: string): void => void process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${m}\n`);

const procs = new Procs(runDir);
const results = new Results();
let failed = false;
let dpPids: number[] = [];
try {
  log(`run dir ${runDir}; load tool ${findWrk() ?? 'node (wrk not installed)'}`);
  const env = await startEnv(procs, {
    dir: runDir,
    long: quick ? { chunks: 16, intervalMs: 20 } : { chunks: 64, intervalMs: 20 },
    // The soak measures Portico alone: no reference servers beside it.
    withNginx: only.some((n) => n !== 'soak'),
    withPortkey: only.some((n) => n !== 'soak'),
    withLitellm: only.includes('tail'),
    ...(cpuProf ? { cpuProfDir: profDir } : {}),
  });
  for (const [k, v] of Object.entries(env.skipped)) results.note(`${k} skipped: ${v}`);
  const ctx: Ctx = { procs, env, results, cfg, dir: runDir, log };
  for (const name of only) {
    log(`scenario ${name}`);
    try {
      await SCENARIOS[name](ctx);
    } catch (e) {
      failed = true;
      results.note(`scenario ${name} failed: ${(e as Error).message.slice(0, 500)}`);
      log(`scenario ${name} failed: ${(e as Error).stack ?? e}`);
    }
  }
  dpPids = env.portico.dataPlanes.map((d) => d.process.pid);
} catch (e) {
  failed = true;
  results.note(`setup failed: ${(e as Error).message.slice(0, 800)}`);
  log(`setup failed: ${(e as Error).stack ?? e}`);
} finally {
  await procs.stopAll();
}

if (cpuProf) {
  const f = dpPids.length ? profileOf(profDir, dpPids[0]!) : undefined;
  if (f) {
    const spots = hotSpots(f, 25);
    results.raw.hotSpots = spots;
    results.note(`CPU profile of data plane 1: ${f}`);
    for (const s of spots.slice(0, 15)) results.note(`hot: ${s.selfPct.toFixed(1)} % self — ${s.fn} (${s.where})`);
  } else results.note(`no CPU profile found in ${profDir} (the data plane must exit cleanly on SIGTERM)`);
}

const secs = (Date.now() - started) / 1000;
const header = `# Portico benchmark results\n\n${new Date().toISOString()} · ${quick ? 'quick smoke run' : 'full run'} · ${secs.toFixed(0)} s · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · node ${process.version} · load: ${findWrk() ? 'wrk -t1' : 'node loadgen'} · scenarios: ${only.join(', ')}`;
const md = renderMarkdown(results, header);
const json = {
  date: new Date().toISOString(),
  quick,
  seconds: secs,
  config: cfg,
  scenarios: only,
  targets: results.targets,
  measures: results.measures,
  notes: results.notes,
  raw: results.raw,
};
writeFileSync(join(resultsDir, `${stamp}${quick ? '-quick' : ''}.json`), JSON.stringify(json, null, 2));
if (!quick && !onlyArg) writeFileSync(join(benchDir, 'RESULTS.md'), md);
else writeFileSync(join(resultsDir, `${stamp}${quick ? '-quick' : ''}.md`), md);
process.stdout.write(md);
rmSync(runDir, { recursive: true, force: true });
if (quick) {
  // The smoke run checks that the harness works: every scenario ran and produced targets.
  const ok = !failed && results.targets.length > 0 && results.targets.every((t) => t.measured !== 'n/a' || t.pass === undefined);
  process.exit(ok ? 0 : 1);
}
process.exit(failed ? 1 : 0);
