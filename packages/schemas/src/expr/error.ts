/** Thrown by `compileExpr`; `message` is lua-resty-expr's error string. */
export class ExprError extends Error {
  readonly code = 'invalid_expr';
}
