import type { ProviderRequest } from './providers.js';
import type { StepRun } from './session.js';

// Small comparison helpers: each returns human-readable differences ("expected ..., got ...").

/** Value at a dotted path (`choices.0.message.content`). */
export function at(v: unknown, path: string): unknown {
  let cur = v;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** stdout parsed as JSON, or a difference. */
export function json(run: StepRun): { body: unknown; diffs: string[] } {
  try {
    return { body: JSON.parse(run.stdout) as unknown, diffs: [] };
  } catch {
    return { body: undefined, diffs: [`stdout is not JSON: ${clip(run.stdout)}`] };
  }
}

/** Short printable form of a value for reports. */
export function clip(v: unknown, n = 240): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s;
}

/** Compare fields at paths with expected values (deep-equal by JSON) or predicates. */
export function fields(body: unknown, want: Record<string, unknown>, label = 'body'): string[] {
  const out: string[] = [];
  for (const [p, w] of Object.entries(want)) {
    const got = at(body, p);
    const ok = w instanceof RegExp ? typeof got === 'string' && w.test(got) : JSON.stringify(got) === JSON.stringify(w);
    if (!ok) out.push(`${label}.${p}: expected ${w instanceof RegExp ? String(w) : clip(w)}, got ${clip(got)}`);
  }
  return out;
}

/** The process exited 0 and every curl got one of the statuses in order. */
export function statuses(run: StepRun, want: number[]): string[] {
  const out: string[] = [];
  if (run.code !== 0)
    out.push(`bash exit code: expected 0, got ${run.code}${run.stderr ? ` (stderr: ${clip(run.stderr)})` : ''}`);
  if (JSON.stringify(run.statuses) !== JSON.stringify(want))
    out.push(`HTTP status: expected ${want.join(',')}, got ${run.statuses.join(',') || 'none'}`);
  return out;
}

/** An Admin API PUT that APISIX accepts: status, `key`, and `value.<idField>`. */
export function adminWrite(run: StepRun, status: 200 | 201, key: string, idField: 'id' | 'username', id: string): string[] {
  const st = statuses(run, [status]);
  // A rejected write: the status plus APISIX's error body says everything; field diffs would be noise.
  if (st.length) return [...st, `body: ${clip(run.stdout.trim(), 400)}`];
  const { body, diffs } = json(run);
  return [...diffs, ...(body === undefined ? [] : fields(body, { key, [`value.${idField}`]: id }))];
}

/** An Admin API error exactly as APISIX writes it: status and the whole JSON body. */
export function adminError(run: StepRun, status: number, body: Record<string, unknown>): string[] {
  const parsed = json(run);
  const out = [...statuses(run, [status]), ...parsed.diffs];
  if (parsed.body !== undefined && canonical(parsed.body) !== canonical(body)) {
    out.push(`body: expected ${clip(body, 400)}, got ${clip(parsed.body, 400)}`);
  }
  return out;
}

/** Exactly one upstream call, to `host` + `url`, with the instance's auth header, and the body fields given. */
export function upstream(
  run: StepRun,
  want: { host: string; url: string; header: [string, string]; body?: Record<string, unknown> },
): string[] {
  const calls = run.upstream.filter((r) => r.method === 'POST');
  if (calls.length !== 1)
    return [`upstream calls: expected 1 POST, got ${calls.length} (${calls.map((c) => `${c.host}${c.url}`).join(', ')})`];
  const c = calls[0] as ProviderRequest;
  const out: string[] = [];
  if (c.host !== want.host || c.url !== want.url) out.push(`upstream: expected ${want.host}${want.url}, got ${c.host}${c.url}`);
  const [h, v] = want.header;
  if (c.headers[h] !== v)
    out.push(`upstream header ${h}: expected the configured key, got ${c.headers[h] === undefined ? 'none' : 'another value'}`);
  if (want.body) out.push(...fields(c.json, want.body, 'upstream body'));
  return out;
}

/** Which impersonated family served a chat response (by the model the provider answers with). */
export function servedBy(body: unknown): 'openai' | 'deepseek' | 'unknown' {
  const m = at(body, 'model');
  return m === 'gpt-4-0613' ? 'openai' : m === 'deepseek-chat' ? 'deepseek' : 'unknown';
}

/** JSON with object keys sorted (cjson's key order is unspecified, so bodies compare by content). */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : val,
  );
}

/**
 * The body `curl -d '...'` sends for a doc block, with the `'"$VAR"'` splices expanded — what
 * APISIX echoes back as `req_body` and indexes in cjson's "at character N".
 */
export function curlBody(script: string, vars: Record<string, string>): string {
  const start = script.indexOf("-d '") + 4;
  const raw = script.slice(start, script.lastIndexOf("'"));
  return raw.replace(/'"\$\{?([A-Za-z_]+)\}?"'/g, (_m, name: string) => vars[name] ?? '');
}

/** lua-cjson's decode error for `body` at the first occurrence of `needle` (1-based "character"). */
export function cjsonError(body: string, expected: string, found: string, needle: string, nth = 0): string {
  let idx = -1;
  for (let i = 0; i <= nth; i++) idx = body.indexOf(needle, idx + 1);
  return `Expected ${expected} but found ${found} at character ${idx + 1}`;
}

/** A `curl -i` output split into its status, headers (lower-case names) and body. */
export function included(run: StepRun): { status: number; headers: Record<string, string>; body: string } {
  // With redirects or 100-continue several header blocks may be printed; the last one is the answer.
  const text = run.stdout.replace(/\r\n/g, '\n');
  let rest = text;
  let status = 0;
  let headers: Record<string, string> = {};
  while (/^HTTP\/[\d.]+ \d{3}/.test(rest)) {
    const end = rest.indexOf('\n\n');
    const head = end < 0 ? rest : rest.slice(0, end);
    rest = end < 0 ? '' : rest.slice(end + 2);
    const [first, ...lines] = head.split('\n');
    status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(first ?? '')?.[1] ?? 0);
    headers = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
  }
  return { status, headers, body: rest };
}

/** The body of a `curl -i` run parsed as JSON, or a difference. */
export function includedJson(run: StepRun): { status: number; headers: Record<string, string>; body: unknown; diffs: string[] } {
  const r = included(run);
  try {
    return { ...r, body: JSON.parse(r.body) as unknown, diffs: [] };
  } catch {
    return { ...r, body: undefined, diffs: [`body is not JSON: ${clip(r.body)}`] };
  }
}
