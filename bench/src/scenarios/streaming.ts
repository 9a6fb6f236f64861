import { fileURLToPath } from 'node:url';
import type { StreamResult, StreamSpec } from '../clients/stream-client.js';
import { fmt } from '../lib/results.js';
import { STREAM_BODY } from '../lib/routes.js';
import { median } from '../lib/stats.js';
import { portkeyHeaders } from '../servers/portkey.js';
import type { Ctx } from './context.js';

const client = fileURLToPath(new URL('../clients/stream-client.js', import.meta.url));

interface Target {
  id: string;
  base: string;
  headers: Record<string, string>;
}

async function runStreams(ctx: Ctx, spec: StreamSpec): Promise<StreamResult> {
  const limit = spec.durationSec
    ? spec.durationSec * 1000 + spec.timeoutMs + 10_000
    : spec.timeoutMs * (spec.streams + 1) + 10_000;
  return ctx.procs.runJson<StreamResult>(process.execPath, [client, JSON.stringify(spec)], limit);
}

/** Run `make(target)` for every target, `rounds` times, rotating the order each round. */
async function rounds(
  ctx: Ctx,
  label: string,
  targets: Target[],
  n: number,
  make: (t: Target) => StreamSpec,
): Promise<Map<string, StreamResult[]>> {
  const out = new Map<string, StreamResult[]>(targets.map((t) => [t.id, []]));
  for (let rep = 0; rep < n; rep++) {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(i + rep) % targets.length]!;
      const r = await runStreams(ctx, make(t));
      out.get(t.id)!.push(r);
      ctx.log(
        `  ${label} ${t.id} rep ${rep + 1}: ${r.streams} streams, ttft p50 ${fmt(r.ttft.p50)} p99 ${fmt(r.ttft.p99)} ms, gap p99 ${fmt(r.gap.p99)} ms, transit p99 ${fmt(r.transit.p99)} ms, maxOpen ${r.maxOpen}, failed ${r.failed}${r.firstError ? ` (${r.firstError})` : ''}`,
      );
    }
  }
  return out;
}

const medOf = (rs: StreamResult[] | undefined, f: (r: StreamResult) => number): number => median((rs ?? []).map(f));
const paired = (a: StreamResult[] | undefined, b: StreamResult[] | undefined, f: (r: StreamResult) => number): number =>
  !a || !b ? Number.NaN : median(a.map((x, i) => (b[i] ? f(x) - f(b[i]!) : Number.NaN)));

/** Scenario 2: time to first chunk, inter-chunk delay, and concurrent streams without loss. */
export async function streaming(ctx: Ctx): Promise<void> {
  const { urls, long } = ctx.env;
  const targets: Target[] = [
    { id: 'direct', base: urls.direct, headers: {} },
    { id: 'undici', base: urls.undici, headers: {} },
    { id: 'portico', base: urls.portico, headers: {} },
  ];
  if (urls.nginx) targets.push({ id: 'nginx', base: urls.nginx, headers: {} });
  if (urls.portkey) targets.push({ id: 'portkey', base: urls.portkey, headers: portkeyHeaders(ctx.env.mockPort) });
  // Portkey's custom host carries the /long prefix; the others take it in the path.
  const longUrl = (t: Target, profile = 'long'): { url: string; headers: Record<string, string> } =>
    t.id === 'portkey'
      ? { url: `${t.base}/v1/chat/completions`, headers: portkeyHeaders(ctx.env.mockPort, `/${profile}/v1`) }
      : { url: `${t.base}/${profile}/v1/chat/completions`, headers: t.headers };
  const { cfg } = ctx;
  const R = ctx.results;
  const s2 = '2 streaming';

  const short =
    (c: number) =>
    (t: Target): StreamSpec => ({
      url: `${t.base}/v1/chat/completions`,
      headers: t.headers,
      body: STREAM_BODY,
      concurrency: c,
      streams: 1_000_000,
      durationSec: cfg.durationSec,
      expectChunks: 8,
      timeoutMs: 10_000,
    });
  ctx.log('streaming: time to first chunk, 1 stream back to back');
  const t1 = await rounds(ctx, 'ttft c=1', targets, cfg.reps, short(1));
  ctx.log(`streaming: ${long.chunks} chunks ${long.intervalMs} ms apart, 1 and 32 streams`);
  const longSpec =
    (c: number, streams: number, profile = 'long') =>
    (t: Target): StreamSpec => ({
      ...longUrl(t, profile),
      body: STREAM_BODY,
      concurrency: c,
      streams,
      expectChunks: long.chunks,
      timeoutMs: long.chunks * long.intervalMs * 4 + 20_000,
    });
  const g1 = await rounds(ctx, 'gaps c=1', targets, cfg.reps, longSpec(1, cfg.quick ? 1 : 2));
  // 32 long streams started together: first-chunk latency and gaps under concurrency.
  const t32 = await rounds(ctx, 'c=32', targets, cfg.reps, longSpec(32, 1));
  const g32 = t32;
  // Streams last 4× longer here, so all of them are open at once even when setup is slow.
  ctx.log(`streaming: ${cfg.bigStreams} concurrent streams, ${long.chunks} chunks ${long.intervalMs * 4} ms apart`);
  const big = await rounds(ctx, `c=${cfg.bigStreams}`, targets, 1, longSpec(cfg.bigStreams, 1, 'held'));
  ctx.results.raw.streaming = {
    t1: Object.fromEntries(t1),
    t32: Object.fromEntries(t32),
    g1: Object.fromEntries(g1),
    big: Object.fromEntries(big),
  };

  for (const t of targets) {
    R.measure(
      s2,
      `${t.id} ttft c=1 p50 / p99`,
      medOf(t1.get(t.id), (r) => r.ttft.p50),
      'ms',
      `p99 ${fmt(medOf(t1.get(t.id), (r) => r.ttft.p99))} ms`,
    );
    R.measure(
      s2,
      `${t.id} ttft c=32 p50 / p99`,
      medOf(t32.get(t.id), (r) => r.ttft.p50),
      'ms',
      `p99 ${fmt(medOf(t32.get(t.id), (r) => r.ttft.p99))} ms`,
    );
    R.measure(
      s2,
      `${t.id} inter-chunk c=1 p99`,
      medOf(g1.get(t.id), (r) => r.gap.p99),
      'ms',
      `chunk transit p50 ${fmt(medOf(g1.get(t.id), (r) => r.transit.p50))} p99 ${fmt(medOf(g1.get(t.id), (r) => r.transit.p99))} ms`,
    );
    R.measure(
      s2,
      `${t.id} inter-chunk c=32 p99`,
      medOf(g32.get(t.id), (r) => r.gap.p99),
      'ms',
      `chunk transit p99 ${fmt(medOf(g32.get(t.id), (r) => r.transit.p99))} ms`,
    );
    const b = big.get(t.id)?.[0];
    if (b)
      R.measure(
        s2,
        `${t.id} ${cfg.bigStreams} streams: max open / failed`,
        b.maxOpen,
        'streams',
        `failed ${b.failed}, lost ${b.lost}, reordered ${b.reordered}${b.firstError ? `, ${b.firstError}` : ''}`,
      );
  }
  for (const t of targets.filter((x) => x.id !== 'direct')) {
    R.measure(
      s2,
      `${t.id} added ttft c=1 p50 / p99`,
      paired(t1.get(t.id), t1.get('direct'), (r) => r.ttft.p50),
      'ms',
      `p99 ${fmt(paired(t1.get(t.id), t1.get('direct'), (r) => r.ttft.p99))} ms`,
    );
    R.measure(
      s2,
      `${t.id} added ttft c=32 p50`,
      paired(t32.get(t.id), t32.get('direct'), (r) => r.ttft.p50),
      'ms',
    );
  }

  const add32 = paired(t32.get('portico'), t32.get('direct'), (r) => r.ttft.p50);
  const add32u = paired(t32.get('undici'), t32.get('direct'), (r) => r.ttft.p50);
  const r32 = add32 / Math.max(add32u, 0.001);
  R.target({
    scenario: s2,
    target: 'added first-chunk p50 at 32 streams ≤ 1.5× undici proxy’s',
    measured: `${fmt(add32, 'ms')} (undici ${fmt(add32u, 'ms')})`,
    ratio: r32,
    ratioOf: 'undici',
    pass: add32 <= 1.5 * Math.max(add32u, 0) || add32 <= 0,
  });
  const add1 = paired(t1.get('portico'), t1.get('direct'), (r) => r.ttft.p50);
  R.target({
    scenario: s2,
    target: 'added first-chunk p50 at 1 stream ≤ 1 ms',
    measured: fmt(add1, 'ms'),
    ratio: add1 / 1,
    ratioOf: 'goal',
    pass: add1 <= 1,
  });
  // Per-chunk added delay: each chunk's transit (mock send → client arrival, one host clock)
  // through Portico minus direct; free of the mock's timer jitter, unlike raw gaps.
  const gap1 = paired(g1.get('portico'), g1.get('direct'), (r) => r.transit.p99);
  const gapRaw = paired(g1.get('portico'), g1.get('direct'), (r) => r.gap.p99);
  const gapU = paired(g1.get('undici'), g1.get('direct'), (r) => r.transit.p99);
  R.target({
    scenario: s2,
    target: 'added inter-chunk p99 at 1 stream ≤ 0.1 ms',
    measured: `${fmt(gap1, 'ms')} (undici ${fmt(gapU, 'ms')}; raw gap p99 diff ${fmt(gapRaw, 'ms')})`,
    ratio: gap1 / 0.1,
    ratioOf: 'goal',
    pass: gap1 <= 0.1,
  });
  const b = big.get('portico')?.[0];
  const heldOk = !!b && b.maxOpen >= cfg.bigStreams && b.failed === 0 && b.lost === 0 && b.reordered === 0;
  R.target({
    scenario: s2,
    target: `≥ 512 concurrent streams, zero lost/reordered`,
    measured: b ? `${b.maxOpen} open, ${b.lost} lost, ${b.reordered} reordered, ${b.failed} failed` : 'n/a',
    ratio: b ? b.maxOpen / 512 : undefined,
    ratioOf: '512',
    pass: cfg.bigStreams >= 512 ? heldOk : undefined,
    ...(cfg.bigStreams < 512 ? { note: `quick mode ran ${cfg.bigStreams}` } : {}),
  });
}
