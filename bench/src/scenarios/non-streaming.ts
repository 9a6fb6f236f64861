import { portkeyHeaders } from '../servers/portkey.js';
import { fmt } from '../lib/results.js';
import { BENCH_KEY, CHAT_BODY } from '../lib/routes.js';
import { interleaved, med, pairedMed, type Ctx, type LoadCase } from './context.js';

const ms = (us: number): number => us / 1000;

/**
 * Scenarios 1 (ai-proxy non-streaming), 3 (key-auth + ai-proxy-multi + ai-rate-limiting) and
 * 4 (plain upstream route), all interleaved in one set of rounds so every ratio is same-run.
 */
export async function nonStreaming(ctx: Ctx): Promise<void> {
  const { urls } = ctx.env;
  const chat = '/v1/chat/completions';
  const refs: Array<[string, string, Record<string, string>]> = [
    ['direct', urls.direct + chat, {}],
    ['undici', urls.undici + chat, {}],
    ['portico', urls.portico + chat, {}],
  ];
  if (urls.nginx) refs.push(['nginx', urls.nginx + chat, {}]);
  if (urls.portkey) refs.push(['portkey', urls.portkey + chat, portkeyHeaders(ctx.env.mockPort)]);

  const cases: LoadCase[] = [];
  for (const c of [1, ...ctx.cfg.loads]) {
    for (const [id, url, headers] of refs)
      cases.push({ id: `chat/${id}/c${c}`, spec: { url, body: CHAT_BODY, headers, connections: c } });
  }
  const plainTargets: Array<[string, string]> = [
    ['direct', urls.direct],
    ['undici', urls.undici],
    ['portico', urls.portico],
  ];
  if (urls.nginx) plainTargets.push(['nginx', urls.nginx]);
  for (const c of [1, 32])
    for (const [id, base] of plainTargets)
      cases.push({ id: `plain/${id}/c${c}`, spec: { url: `${base}/plain/x`, body: CHAT_BODY, connections: c } });
  const multi = ['local', ...(ctx.env.redis ? ['redis'] : [])];
  for (const c of [1, 32])
    for (const p of multi)
      cases.push({
        id: `multi/${p}/c${c}`,
        spec: { url: `${urls.portico}/multi/${p}`, body: CHAT_BODY, headers: { apikey: BENCH_KEY }, connections: c },
      });

  ctx.log(`non-streaming: ${cases.length} cases × ${ctx.cfg.reps} rounds × ${ctx.cfg.durationSec}s`);
  const runs = await interleaved(ctx, cases);
  ctx.results.raw.nonStreaming = Object.fromEntries(runs);
  const R = ctx.results;
  const get = (id: string) => runs.get(id);

  for (const [id, rs] of runs) {
    const errs = rs.reduce((a, r) => a + r.errors, 0);
    if (errs) R.note(`${id}: ${errs} errors (socket errors or status ≥ 400) over all rounds`);
  }

  // Scenario 1.
  const s1 = '1 ai-proxy';
  for (const [id] of refs) {
    R.measure(s1, `${id} c=1 p50`, ms(med(get(`chat/${id}/c1`), (r) => r.p50Us)), 'ms');
    R.measure(s1, `${id} c=1 p99`, ms(med(get(`chat/${id}/c1`), (r) => r.p99Us)), 'ms');
    for (const c of ctx.cfg.loads) {
      R.measure(
        s1,
        `${id} c=${c} throughput`,
        med(get(`chat/${id}/c${c}`), (r) => r.rps),
        'req/s',
      );
      R.measure(s1, `${id} c=${c} p99`, ms(med(get(`chat/${id}/c${c}`), (r) => r.p99Us)), 'ms');
    }
  }
  const addedP50 = ms(pairedMed(get('chat/portico/c1'), get('chat/direct/c1'), (a, b) => a.p50Us - b.p50Us));
  const addedP99 = ms(pairedMed(get('chat/portico/c1'), get('chat/direct/c1'), (a, b) => a.p99Us - b.p99Us));
  const undiciP99 = ms(pairedMed(get('chat/undici/c1'), get('chat/direct/c1'), (a, b) => a.p99Us - b.p99Us));
  R.measure(
    s1,
    'undici added p50 c=1',
    ms(pairedMed(get('chat/undici/c1'), get('chat/direct/c1'), (a, b) => a.p50Us - b.p50Us)),
    'ms',
  );
  R.measure(s1, 'undici added p99 c=1', undiciP99, 'ms');
  if (urls.portkey)
    R.measure(
      s1,
      'portkey added p50 c=32',
      ms(pairedMed(get('chat/portkey/c32'), get('chat/direct/c32'), (a, b) => a.p50Us - b.p50Us)),
      'ms',
    );

  const vsUndici = pairedMed(get('chat/portico/c32'), get('chat/undici/c32'), (a, b) => a.rps / b.rps);
  R.target({
    scenario: s1,
    target: 'throughput c=32 ≥ 70 % of undici JSON proxy',
    measured: `${fmt(med(get('chat/portico/c32'), (r) => r.rps))} req/s`,
    ratio: vsUndici,
    ratioOf: 'undici',
    pass: vsUndici >= 0.7,
  });
  if (urls.portkey) {
    const vsPk = pairedMed(get('chat/portico/c32'), get('chat/portkey/c32'), (a, b) => a.rps / b.rps);
    R.target({
      scenario: s1,
      target: 'throughput c=32 ≥ 10× Portkey',
      measured: `${fmt(med(get('chat/portkey/c32'), (r) => r.rps))} req/s Portkey`,
      ratio: vsPk,
      ratioOf: 'Portkey',
      pass: vsPk >= 10,
    });
  } else
    R.target({
      scenario: s1,
      target: 'throughput c=32 ≥ 10× Portkey',
      measured: 'n/a',
      ratio: undefined,
      pass: undefined,
      note: ctx.env.skipped.portkey ?? '',
    });
  R.target({
    scenario: s1,
    target: 'added p50 c=1 ≤ 0.2 ms over direct',
    measured: fmt(addedP50, 'ms'),
    ratio: addedP50 / 0.2,
    ratioOf: 'goal',
    pass: addedP50 <= 0.2,
  });
  // Raw p99s compared (not "added" ones): at c=1 the direct p99 is mostly machine noise, so a
  // difference of p99s can be negative and a ratio of two such differences meaningless.
  const p99Ratio = pairedMed(get('chat/portico/c1'), get('chat/undici/c1'), (a, b) => a.p99Us / b.p99Us);
  R.target({
    scenario: s1,
    target: 'p99 c=1 ≤ 1.5× undici proxy’s',
    measured: `${fmt(ms(med(get('chat/portico/c1'), (r) => r.p99Us)), 'ms')} (added ${fmt(addedP99, 'ms')}, undici added ${fmt(undiciP99, 'ms')})`,
    ratio: p99Ratio,
    ratioOf: 'undici',
    pass: p99Ratio <= 1.5,
  });

  // Scenario 3.
  const s3 = '3 key-auth+multi+rate-limit';
  for (const p of multi) {
    R.measure(
      s3,
      `${p} c=32 throughput`,
      med(get(`multi/${p}/c32`), (r) => r.rps),
      'req/s',
    );
    R.measure(
      s3,
      `${p} c=32 vs ai-proxy`,
      pairedMed(get(`multi/${p}/c32`), get('chat/portico/c32'), (a, b) => a.rps / b.rps),
      '×',
    );
    R.measure(
      s3,
      `${p} c=1 added p50`,
      ms(pairedMed(get(`multi/${p}/c1`), get('chat/direct/c1'), (a, b) => a.p50Us - b.p50Us)),
      'ms',
    );
    R.measure(
      s3,
      `${p} c=1 added p99`,
      ms(pairedMed(get(`multi/${p}/c1`), get('chat/direct/c1'), (a, b) => a.p99Us - b.p99Us)),
      'ms',
    );
  }
  if (!ctx.env.redis) R.note(`scenario 3 redis policy skipped: ${ctx.env.skipped.redis ?? ''}`);

  // Scenario 4.
  const s4 = '4 plain upstream';
  for (const [id] of plainTargets) {
    R.measure(
      s4,
      `${id} c=32 throughput`,
      med(get(`plain/${id}/c32`), (r) => r.rps),
      'req/s',
    );
    R.measure(s4, `${id} c=1 p50`, ms(med(get(`plain/${id}/c1`), (r) => r.p50Us)), 'ms');
  }
  const plainVs = pairedMed(get('plain/portico/c32'), get('plain/undici/c32'), (a, b) => a.rps / b.rps);
  R.target({
    scenario: s4,
    target: 'plain route c=32 ≥ 80 % of undici proxy',
    measured: `${fmt(med(get('plain/portico/c32'), (r) => r.rps))} req/s`,
    ratio: plainVs,
    ratioOf: 'undici',
    pass: plainVs >= 0.8,
  });
  if (urls.nginx)
    R.measure(
      s4,
      'portico vs nginx c=32',
      pairedMed(get('plain/portico/c32'), get('plain/nginx/c32'), (a, b) => a.rps / b.rps),
      '×',
    );
}
