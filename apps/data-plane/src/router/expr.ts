import { compileExpr as compileRule } from '@portico/schemas';

export { ExprError } from '@portico/schemas';

/** Where an expression reads nginx variables from (ctx.vars). */
export interface VarSource {
  get(name: string): string | undefined;
}
/** A compiled lua-resty-expr expression. */
export type CompiledExpr = (vars: VarSource) => boolean;

/**
 * Compile route `vars` / plugin `_meta.filter` once per snapshot with the shared
 * lua-resty-expr implementation (@portico/schemas); throws ExprError with its message.
 */
export function compileExpr(rule: unknown): CompiledExpr {
  const compiled = compileRule(rule);
  return (vars) => compiled.eval(vars);
}
