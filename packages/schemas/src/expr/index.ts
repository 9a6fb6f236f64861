/**
 * The one implementation of api7/lua-resty-expr (`resty.expr.v1`), the DSL of route `vars`,
 * plugin `_meta.filter`, logger `include_*_body_expr` and file-logger `match`. Rules compile
 * once (regexes, IP lists, numeric operands); evaluation walks the tree without allocating.
 */
import { compileRoot } from './compile.js';
import { ExprError } from './error.js';
import { evalNode, type VarLookup } from './evaluate.js';

export { ExprError } from './error.js';
export { luaToNumber } from './tonumber.js';
export type { VarLookup } from './evaluate.js';

/** A compiled rule set; `eval` is lua-resty-expr's `expr:eval(ctx)`. */
export interface CompiledExpr {
  eval(vars: VarLookup): boolean;
}

const ALWAYS: CompiledExpr = { eval: () => true };

/**
 * Compile a rule set (v1.lua `expr.new`). Throws ExprError with lua-resty-expr's message, and
 * `invalid regex: ...` for a `~~` / `~*` pattern JavaScript cannot compile.
 */
export function compileExpr(rule: unknown): CompiledExpr {
  const root = compileRoot(rule, true);
  if (root === undefined) return ALWAYS;
  return { eval: (vars) => evalNode(root, vars) };
}

/**
 * lua-resty-expr `expr.new(rule)`'s error, or undefined when the rule compiles. Like APISIX's
 * admin checks, regex patterns are not compiled here (they are PCRE, run by ngx.re at eval).
 */
export function exprError(rule: unknown): string | undefined {
  try {
    compileRoot(rule, false);
    return undefined;
  } catch (err) {
    if (err instanceof ExprError) return err.message;
    throw err;
  }
}
