import { adminWrite, clip, fields, includedJson, json, statuses } from './checks.js';
import { step } from './harness.js';
import { TEST_KEYS } from './providers.js';
import { report, type DocSession, type StepRun } from './session.js';

// Step shapes shared by the APISIX 3.18 AI-plugin doc suites (suites/apisix-*.docs.ts).

const KEY_NOTE = 'credential placeholders of the `export` line filled with test keys (the only edit)';

/** An `export` block: runs silently and leaves each credential variable set to its test key. */
export function exportStep(session: () => DocSession, fixture: string, names: Array<keyof typeof TEST_KEYS>): void {
  step(fixture, async () => {
    const r = await session().run(fixture);
    const d = statuses(r, []);
    for (const n of names) if (session().vars[n] !== TEST_KEYS[n]) d.push(`$${n} not set by the export line`);
    return report(r, d, KEY_NOTE);
  });
}

/** The `admin_key=$(yq ...)` block: reads the key of conf/config.yaml. */
export function adminKeyStep(session: () => DocSession, fixture: string): void {
  step(fixture, async () => {
    const r = await session().run(fixture);
    const d = statuses(r, []);
    if (session().vars.admin_key !== session().stack.adminKey)
      d.push(`admin_key: expected the key in conf/config.yaml, got ${JSON.stringify(session().vars.admin_key)}`);
    return report(r, d);
  });
}

/** An Admin API PUT / PATCH of a route that APISIX accepts. */
export function routeStep(
  session: () => DocSession,
  fixture: string,
  status: 200 | 201,
  id: string,
  inline?: Parameters<DocSession['run']>[1],
): void {
  step(fixture, async () => {
    const r = await session().run(fixture, inline);
    return report(
      r,
      adminWrite(r, status, `/apisix/routes/${id}`, 'id', id),
      inline ? `\`${inline.placeholder}\` inside the route body filled with a test key` : undefined,
    );
  });
}

/** A chat completion the doc shows answered by the LLM: 200, assistant content as printed. */
export function chatChecks(r: StepRun, content: string, extra: Record<string, unknown> = {}): string[] {
  const included = r.stdout.startsWith('HTTP/');
  const parsed = included ? includedJson(r) : { ...json(r), status: r.statuses.at(-1) ?? 0 };
  return [
    ...statuses(r, [200]),
    ...parsed.diffs,
    ...fields(parsed.body, {
      object: 'chat.completion',
      'choices.0.index': 0,
      'choices.0.message.role': 'assistant',
      'choices.0.message.content': content,
      'choices.0.finish_reason': 'stop',
      ...extra,
    }),
  ];
}

/** The POST calls the impersonated LLM / services received during a run, as `host path` strings. */
export function calls(r: StepRun): string[] {
  return r.upstream.filter((c) => c.method === 'POST').map((c) => `${c.host}${c.url.split('?')[0]}`);
}

/** Exactly these POST calls (in order) reached the impersonated services. */
export function expectCalls(r: StepRun, want: string[]): string[] {
  const got = calls(r);
  return JSON.stringify(got) === JSON.stringify(want) ? [] : [`upstream calls: expected ${clip(want)}, got ${clip(got)}`];
}

/** The messages the LLM received in the run's only chat call. */
export function llmMessages(r: StepRun): unknown {
  const c = r.upstream.find((x) => x.method === 'POST' && /chat\/completions/.test(x.url));
  return c?.json?.messages;
}
