/**
 * Route `vars` validation (apisix/admin/routes.lua): lua-resty-expr's `expr.new` error,
 * prefixed as APISIX does. The expression implementation lives in ./expr/.
 */
import { exprError } from './expr/index.js';

export { exprError };

/** Route `vars` check with APISIX's message (apisix/admin/routes.lua). */
export function checkVars(vars: unknown): string | undefined {
  const err = exprError(vars);
  return err === undefined ? undefined : `failed to validate the 'vars' expression: ${err}`;
}
