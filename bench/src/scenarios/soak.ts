import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { StreamResult, StreamSpec } from '../clients/stream-client.js';
import { adminPut, fetchText } from '../lib/admin.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { porticoWith } from '../lib/portico.js';
import { fmt } from '../lib/results.js';
import { CHAT_BODY, STREAM_BODY } from '../lib/routes.js';
import { median } from '../lib/stats.js';
import type { Ctx } from './context.js';

const streamClient = fileURLToPath(new URL('../clients/stream-client.js', import.meta.url));

/** RSS slope bound over the second half of the soak, per data-plane process. */
export const RSS_SLOPE_MAX_MB_PER_10MIN = 5;

/** One sample at the end of a load interval. */
interface Sample {
  /** Seconds since the soak started. */
  t: number;
  /** RSS in MB by process label (dp-primary, dp-worker-<pid>, admin, etcd). */
  rssMb: Record<string, number>;
  /** Event-loop delay p99 / max of each worker's last 10 s window, ms. */
  loopP99: Record<string, number>;
  loopMax: Record<string, number>;
  /** V8 heap used by each worker, MB (from the status API). */
  heapMb: Record<string, number>;
}

interface WorkerEntry {
  pid: number;
  heapUsedBytes?: number;
  eventLoopDelayMs?: { p99: number; max: number } | null;
}

async function rssOf(pid: number): Promise<number> {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

async function childrenOf(pid: number): Promise<number[]> {
  try {
    return (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Least-squares slope of (t seconds, v) in v per 10 minutes; NaN with fewer than 3 points. */
export function slopePer10Min(points: ReadonlyArray<readonly [number, number]>): number {
  const p = points.filter(([, v]) => Number.isFinite(v));
  if (p.length < 3) return Number.NaN;
  const mt = p.reduce((a, [t]) => a + t, 0) / p.length;
  const mv = p.reduce((a, [, v]) => a + v, 0) / p.length;
  let num = 0;
  let den = 0;
  for (const [t, v] of p) {
    num += (t - mt) * (v - mv);
    den += (t - mt) ** 2;
  }
  return den === 0 ? Number.NaN : (num / den) * 600;
}

/** Minutes of the soak: `--soak-min N` (default 30; 1 with --quick). */
function soakMinutes(ctx: Ctx): number {
  const argv = process.argv;
  const i = argv.findIndex((a) => a === '--soak-min' || a.startsWith('--soak-min='));
  const v = i < 0 ? undefined : argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : ctx.cfg.quick ? 1 : 30;
}

/**
 * Issue 16's soak: a 2-worker Portico (the default) under mixed load for `--soak-min` minutes —
 * chat at c=8, 16 concurrent long SSE streams, ai-proxy-multi with one instance answering 500
 * (fallback to the other) at c=4, and an Admin API write every second (an ai-proxy route
 * rewritten in turn, so plugin states and pools are created and retired all along). Every
 * interval it samples the RSS of each process and each worker's event-loop delay (GET
 * /status/revision). Verdicts: no failed request; each data-plane process's RSS slope over the
 * second half ≤ 5 MB per 10 minutes (warm-up = the first half).
 */
export async function soak(ctx: Ctx): Promise<void> {
  const minutes = soakMinutes(ctx);
  const intervalSec = minutes <= 5 ? 10 : 20;
  const intervals = Math.max(2, Math.round((minutes * 60) / intervalSec));
  const apps = await porticoWith(ctx, 2, { status: true });
  const dp = apps.dataPlanes[0]!;
  const base = dp.url;
  const { portico, mockPort, long } = ctx.env;
  const adminPid = portico.admin?.pid;
  ctx.log(`soak: ${minutes} min = ${intervals} intervals of ${intervalSec} s against ${base} (2 workers)`);

  let writes = 0;
  let writeFailures = 0;
  let firstWriteError: string | undefined;
  const writer = setInterval(() => {
    const n = writes++;
    void adminPut(portico.adminUrl, portico.adminKey, `routes/soak-churn-${n % 20}`, {
      uri: `/soak/churn/${n % 20}`,
      desc: `write ${n}`,
      methods: ['POST'],
      plugins: {
        'ai-proxy': {
          provider: 'openai',
          auth: { header: { Authorization: 'Bearer sk-bench' } },
          options: { model: 'gpt-4o-mini', temperature: (n % 10) / 10 },
          override: { endpoint: `http://127.0.0.1:${mockPort}/v1/chat/completions` },
        },
      },
    }).catch((e: unknown) => {
      writeFailures++;
      firstWriteError ??= (e as Error).message.slice(0, 200);
    });
  }, 1000);

  const samples: Sample[] = [];
  const totals = { chat: 0, fallback: 0, streams: 0 };
  const failed = { chat: 0, fallback: 0, streams: 0 };
  let firstStreamError: string | undefined;
  const started = Date.now();
  try {
    for (let i = 0; i < intervals; i++) {
      const streamSpec: StreamSpec = {
        url: `${base}/long/v1/chat/completions`,
        body: STREAM_BODY,
        concurrency: 16,
        streams: 1_000_000,
        durationSec: intervalSec,
        expectChunks: long.chunks,
        timeoutMs: long.chunks * long.intervalMs * 4 + 20_000,
      };
      const [chat, fb, st] = await Promise.all([
        runLoad(
          ctx.procs,
          { url: `${base}/v1/chat/completions`, body: CHAT_BODY, connections: 8, durationSec: intervalSec },
          ctx.dir,
        ),
        runLoad(
          ctx.procs,
          { url: `${base}/fallback/v1/chat/completions`, body: CHAT_BODY, connections: 4, durationSec: intervalSec },
          ctx.dir,
        ),
        ctx.procs.runJson<StreamResult>(
          process.execPath,
          [streamClient, JSON.stringify(streamSpec)],
          (intervalSec + 30) * 1000 + streamSpec.timeoutMs,
        ),
      ]);
      const add = (k: 'chat' | 'fallback', r: LoadResult): void => {
        totals[k] += r.requests;
        failed[k] += r.errors;
      };
      add('chat', chat);
      add('fallback', fb);
      totals.streams += st.streams;
      failed.streams += st.failed;
      firstStreamError ??= st.firstError;
      samples.push(await sample(ctx, (Date.now() - started) / 1000, dp.process.pid, adminPid, dp.statusUrl));
      const s = samples.at(-1)!;
      ctx.log(
        `  soak ${((Date.now() - started) / 60_000).toFixed(1)} min: chat ${chat.rps.toFixed(0)} req/s, fallback ${fb.rps.toFixed(0)} req/s, ${st.streams} streams; failed ${chat.errors}/${fb.errors}/${st.failed}; RSS ${Object.entries(
          s.rssMb,
        )
          .map(([k, v]) => `${k} ${v.toFixed(0)}`)
          .join(', ')} MB; heap ${Object.values(s.heapMb)
          .map((v) => v.toFixed(0))
          .join('/')} MB; loop p99 ${Object.values(s.loopP99)
          .map((v) => v.toFixed(1))
          .join('/')} ms`,
      );
    }
  } finally {
    clearInterval(writer);
  }
  ctx.results.raw.soak = { minutes, intervalSec, samples, totals, failed, writes, writeFailures };
  report(ctx, minutes, samples, totals, failed, { writes, writeFailures, firstWriteError, firstStreamError });
}

async function sample(ctx: Ctx, t: number, dpPid: number, adminPid: number | undefined, statusUrl?: string): Promise<Sample> {
  const rssMb: Record<string, number> = { 'dp-primary': await rssOf(dpPid) };
  const workers = await childrenOf(dpPid);
  workers.sort((a, b) => a - b);
  for (let i = 0; i < workers.length; i++) rssMb[`dp-worker-${i}`] = await rssOf(workers[i]!);
  if (adminPid) rssMb.admin = await rssOf(adminPid);
  const loopP99: Record<string, number> = {};
  const loopMax: Record<string, number> = {};
  const heapMb: Record<string, number> = {};
  if (statusUrl) {
    const r = await fetchText(`${statusUrl}/status/revision`);
    if (r.status === 200) {
      const body = JSON.parse(r.body) as { workers: WorkerEntry[] };
      for (const w of body.workers) {
        const i = workers.indexOf(w.pid);
        if (w.heapUsedBytes !== undefined) heapMb[`dp-worker-${i}`] = w.heapUsedBytes / 2 ** 20;
        const d = w.eventLoopDelayMs;
        if (d) {
          loopP99[`dp-worker-${i}`] = d.p99;
          loopMax[`dp-worker-${i}`] = d.max;
        }
      }
    } else ctx.log(`  soak: status API answered ${r.status}`);
  }
  return { t, rssMb, loopP99, loopMax, heapMb };
}

function report(
  ctx: Ctx,
  minutes: number,
  samples: Sample[],
  totals: Record<'chat' | 'fallback' | 'streams', number>,
  failed: Record<'chat' | 'fallback' | 'streams', number>,
  w: { writes: number; writeFailures: number; firstWriteError?: string; firstStreamError?: string },
): void {
  const R = ctx.results;
  const s = '16 soak';
  const names = [...new Set(samples.flatMap((x) => Object.keys(x.rssMb)))];
  const half = samples.filter((x) => x.t >= samples.at(-1)!.t / 2);
  const rows = [
    `| process | RSS after 1st interval MB | at half-time MB | at end MB | max MB | slope over 2nd half MB/10 min |`,
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const n of names) {
    const first = samples[0]!.rssMb[n] ?? Number.NaN;
    const mid = half[0]?.rssMb[n] ?? Number.NaN;
    const end = samples.at(-1)!.rssMb[n] ?? Number.NaN;
    const max = Math.max(...samples.map((x) => x.rssMb[n] ?? Number.NaN).filter(Number.isFinite));
    const slope = slopePer10Min(half.map((x) => [x.t, x.rssMb[n] ?? Number.NaN] as const));
    rows.push(`| ${n} | ${fmt(first)} | ${fmt(mid)} | ${fmt(end)} | ${fmt(max)} | ${fmt(slope)} |`);
    R.measure(s, `${n} RSS at end`, end, 'MB', `first ${fmt(first)}, half-time ${fmt(mid)}, max ${fmt(max)}`);
    R.measure(s, `${n} RSS slope over the second half`, slope, 'MB/10 min');
    if (n.startsWith('dp-'))
      R.target({
        scenario: s,
        target: `${n}: RSS stops growing after warm-up (slope over the 2nd half ≤ ${RSS_SLOPE_MAX_MB_PER_10MIN} MB/10 min)`,
        measured: `${fmt(slope)} MB/10 min (${fmt(mid)} → ${fmt(end)} MB)`,
        ratio: slope / RSS_SLOPE_MAX_MB_PER_10MIN,
        ratioOf: 'bound',
        pass: Number.isFinite(slope) ? slope <= RSS_SLOPE_MAX_MB_PER_10MIN : undefined,
      });
  }
  const workers = [...new Set(samples.flatMap((x) => Object.keys(x.loopP99)))];
  for (const n of workers) {
    const p99s = samples.map((x) => x.loopP99[n]).filter((v): v is number => v !== undefined);
    const maxes = samples.map((x) => x.loopMax[n]).filter((v): v is number => v !== undefined);
    const heap = samples.map((x) => x.heapMb[n]).filter((v): v is number => v !== undefined);
    const heapHalf = half.map((x) => [x.t, x.heapMb[n] ?? Number.NaN] as const);
    R.measure(
      s,
      `${n} V8 heap used at end`,
      heap.at(-1) ?? Number.NaN,
      'MB',
      `first ${fmt(heap[0])}, max ${fmt(Math.max(...heap))}; slope over the 2nd half ${fmt(slopePer10Min(heapHalf))} MB/10 min`,
    );
    R.measure(
      s,
      `${n} event-loop delay p99 (10 s windows)`,
      median(p99s),
      'ms',
      `median over ${p99s.length} windows; worst window p99 ${fmt(Math.max(...p99s))} ms, worst max ${fmt(Math.max(...maxes))} ms`,
    );
  }
  const total = totals.chat + totals.fallback + totals.streams;
  const bad = failed.chat + failed.fallback + failed.streams;
  R.measure(s, 'duration', minutes, 'min');
  R.measure(s, 'requests (chat / fallback / streams)', total, '', `${totals.chat} / ${totals.fallback} / ${totals.streams}`);
  R.measure(s, 'Admin API writes', w.writes, '', `${w.writeFailures} failed${w.firstWriteError ? `: ${w.firstWriteError}` : ''}`);
  R.target({
    scenario: s,
    target: 'no failed request under mixed load (chat, streams, 500-answering instance with fallback, admin writes)',
    measured: `${bad} of ${total} failed (chat ${failed.chat}, fallback ${failed.fallback}, streams ${failed.streams})${w.firstStreamError ? `; first stream error: ${w.firstStreamError}` : ''}`,
    ratio: undefined,
    pass: bad === 0 && w.writeFailures === 0,
  });
  // The time series, thinned to ≤ 16 rows.
  const step = Math.max(1, Math.ceil(samples.length / 16));
  const series = [
    `| min | ${names.join(' | ')} | heap used MB (workers) | loop p99 ms (workers) |`,
    `|---:|${names.map(() => '---:|').join('')}---|---|`,
  ];
  for (let i = 0; i < samples.length; i += step) {
    const x = samples[i]!;
    series.push(
      `| ${(x.t / 60).toFixed(1)} | ${names.map((n) => fmt(x.rssMb[n])).join(' | ')} | ${Object.values(x.heapMb)
        .map((v) => fmt(v))
        .join(' / ')} | ${Object.values(x.loopP99)
        .map((v) => fmt(v))
        .join(' / ')} |`,
    );
  }
  R.section(`Soak (${minutes} min): RSS per process`, rows.join('\n'));
  R.section(`Soak (${minutes} min): RSS MB and event-loop delay over time`, series.join('\n'));
}
