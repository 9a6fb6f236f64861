/**
 * lua-resty-expr for loggers (`include_req_body_expr`, `include_resp_body_expr`, file-logger
 * `match`): the shared implementation from @portico/schemas plus log-util's schema check.
 */
import { exprError } from '@portico/schemas';

export { compileExpr, exprError, ExprError, type CompiledExpr } from '@portico/schemas';

/** Validate a logger's expression fields (apisix/utils/log-util.lua check_log_schema). */
export function checkLogExprs(conf: { include_req_body_expr?: unknown; include_resp_body_expr?: unknown }): string | undefined {
  for (const field of ['include_req_body_expr', 'include_resp_body_expr'] as const) {
    if (conf[field] === undefined) continue;
    const err = exprError(conf[field]);
    if (err) return `failed to validate the '${field}' expression: ${err}`;
  }
  return undefined;
}
