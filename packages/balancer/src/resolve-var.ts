/**
 * `core.utils.resolve_var` (apisix/core/utils.lua): replaces `$name`, `${name}` and
 * `${name ?? default}` with variable values (unset → "" or the default), leaving `\$`
 * alone. Returns the text and how many references resolved (set or defaulted), which
 * callers use to tell "no variable applied" apart.
 */
export function resolveVars(tpl: string, get: (name: string) => string | undefined): { value: string; resolved: number } {
  if (!tpl.includes('$')) return { value: tpl, resolved: 0 };
  let resolved = 0;
  const value = tpl.replace(VAR_PATTERN, (_m, braced: string | undefined, bare: string | undefined) => {
    const expr = (braced ?? bare ?? '').trim();
    const segs = expr.split(/\s*\?\?\s*/);
    let v = get(segs[0]!);
    if (v === undefined) {
      if (segs.length === 1) return '';
      v = segs[1]!;
    }
    resolved++;
    return v;
  });
  return { value, resolved };
}

// (?<!\\)\$(\{\s*([^}]+?)\s*\}|([\w\.]+)) — the same PCRE APISIX uses.
const VAR_PATTERN = /(?<!\\)\$(?:\{\s*([^}]+?)\s*\}|([\w.]+))/g;
