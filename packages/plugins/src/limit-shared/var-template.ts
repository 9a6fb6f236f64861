/**
 * `$var` / `${var ?? default}` templates (APISIX core.utils.resolve_var), parsed once at
 * prepare time so a request only concatenates: no regex runs per request.
 */

type Part = string | { name: string; fallback: string | undefined };

/** A parsed template; `resolve` returns the text and how many variables had a value. */
export interface VarTemplate {
  readonly source: string;
  resolve(get: (name: string) => string | undefined): { value: string; resolved: number };
}

// (?<!\\)\$(\{\s*([^}]+?)\s*\}|([\w\.]+)) — the PCRE APISIX uses (same as @portico/balancer).
const VAR_PATTERN = /(?<!\\)\$(?:\{\s*([^}]+?)\s*\}|([\w.]+))/g;
const DEFAULT_SEP = /\s*\?\?\s*/;

/** Parse `tpl` into literal and variable parts. */
export function compileVarTemplate(tpl: string): VarTemplate {
  const parts: Part[] = [];
  let last = 0;
  for (const m of tpl.matchAll(VAR_PATTERN)) {
    if (m.index > last) parts.push(tpl.slice(last, m.index));
    const segs = (m[1] ?? m[2] ?? '').trim().split(DEFAULT_SEP);
    parts.push({ name: segs[0]!, fallback: segs.length > 1 ? segs[1] : undefined });
    last = m.index + m[0].length;
  }
  if (last < tpl.length) parts.push(tpl.slice(last));
  return {
    source: tpl,
    resolve(get) {
      let value = '';
      let resolved = 0;
      for (const p of parts) {
        if (typeof p === 'string') {
          value += p;
          continue;
        }
        const v = get(p.name) ?? p.fallback;
        if (v === undefined) continue;
        resolved++;
        value += v;
      }
      return { value, resolved };
    },
  };
}
