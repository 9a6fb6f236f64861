/**
 * APISIX's string templates, parsed once per conf:
 * - `core.utils.resolve_var`: `$name`, `${name}` and `${name ?? default}` replaced by the
 *   variable's value (empty when unset and no default); `\$` is not expanded (the backslash stays).
 * - `core.utils.resolve_var_with_captures`: `$N` / `${N}` replaced by regex capture N.
 */
import type { VarStore } from '@portico/plugin-sdk';

interface VarPiece {
  name: string;
  fallback: string | undefined;
}
type Piece = string | VarPiece;

/** A parsed resolve_var template. */
export interface VarTemplate {
  /** True when the template has at least one variable. */
  readonly dynamic: boolean;
  /** The expanded string; `escape` is applied to each variable's value (proxy-rewrite's `?` escaping). */
  render(vars: VarStore, escape?: (v: string) => string): string;
}

const VAR = /(?<!\\)\$(?:\{\s*([^}]+?)\s*\}|([\w.]+))/g;
const DEFAULT_SEP = /\s*\?\?\s*/;

/** A template that is fixed text (a number conf value: never expanded). */
export function constTemplate(text: string): VarTemplate {
  return { dynamic: false, render: () => text };
}

/** Parse a resolve_var template (apisix/core/utils.lua). */
export function compileVarTemplate(tpl: string): VarTemplate {
  if (!tpl.includes('$')) return { dynamic: false, render: () => tpl };
  const pieces: Piece[] = [];
  let last = 0;
  for (const m of tpl.matchAll(VAR)) {
    if (m.index > last) pieces.push(tpl.slice(last, m.index));
    const variable = (m[1] ?? m[2])!;
    const segs = variable.split(DEFAULT_SEP);
    pieces.push({ name: segs[0]!, fallback: segs.length > 1 ? segs[1] : undefined });
    last = m.index + m[0].length;
  }
  if (last < tpl.length) pieces.push(tpl.slice(last));
  if (pieces.every((p) => typeof p === 'string')) return { dynamic: false, render: () => tpl };
  return {
    dynamic: true,
    render(vars, escape) {
      let out = '';
      for (const p of pieces) {
        if (typeof p === 'string') {
          out += p;
          continue;
        }
        const v = vars.get(p.name) ?? p.fallback;
        if (v === undefined) continue;
        out += escape === undefined ? v : escape(v);
      }
      return out;
    },
  };
}

/** Does `tpl` reference a regex capture (`$1`, `${2}`)? */
const CAPTURE = /(?<!\\)\$\{?(\d+)\}?/g;

/** resolve_var_with_captures: `$N` / `${N}` from `captures` (empty when missing). */
export function resolveCaptures(tpl: string, captures: ArrayLike<string | undefined> | undefined): string {
  if (!tpl.includes('$')) return tpl;
  return tpl.replace(CAPTURE, (_, n: string) => (captures === undefined ? '' : (captures[Number(n)] ?? '')));
}
