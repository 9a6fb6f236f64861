/** The `access_log_format` string of a docs YAML snippet (a double-quoted YAML scalar). */
export function formatFromYaml(yaml: string): string {
  const m = /access_log_format:\s*"((?:[^"\\]|\\.)*)"/.exec(yaml);
  if (!m) throw new Error('no access_log_format in snippet');
  return (m[1] ?? '').replace(/\\(.)/g, '$1');
}

/** Parse an access-log line written with nginx `format` into `{ var: value }`; undefined when it does not fit. */
export function parseLine(format: string, line: string): Record<string, string> | undefined {
  const names: string[] = [];
  let re = '^';
  let last = 0;
  const varRe = /\$([A-Za-z0-9_]+)/g;
  for (let m = varRe.exec(format); m; m = varRe.exec(format)) {
    re += escape(format.slice(last, m.index)) + '(.*?)';
    names.push(m[1] ?? '');
    last = m.index + m[0].length;
  }
  re += `${escape(format.slice(last))}$`;
  const hit = new RegExp(re).exec(line);
  if (!hit) return undefined;
  const out: Record<string, string> = Object.fromEntries(names.map((n, i) => [n, hit[i + 1] ?? '']));
  // Adjacent variables ($upstream_host$upstream_uri) cannot be split apart: expose their concatenation.
  for (const [a, b] of adjacentPairs(format)) out[`${a}+${b}`] = (out[a] ?? '') + (out[b] ?? '');
  return out;
}

function adjacentPairs(format: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const re = /\$([A-Za-z0-9_]+)(?=\$([A-Za-z0-9_]+))/g;
  for (let m = re.exec(format); m; m = re.exec(format)) pairs.push([m[1] ?? '', m[2] ?? '']);
  return pairs;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A value expectation: a literal, or a pattern for values that vary per run (time, ids, sizes). */
export type Expect = string | RegExp;

/** Compare parsed fields with expectations; returns human-readable differences. */
export function diffFields(got: Record<string, string>, want: Record<string, Expect>): string[] {
  const out: string[] = [];
  for (const [k, w] of Object.entries(want)) {
    const v = got[k];
    const ok = typeof w === 'string' ? v === w : v !== undefined && w.test(v);
    if (!ok) out.push(`$${k}: expected ${String(w)}, got ${JSON.stringify(v)}`);
  }
  return out;
}
