/**
 * Validation of lua-resty-expr rules (route `vars`, plugin `_meta.filter`), mirroring the
 * compile step of api7/lua-resty-expr `expr.new`: same accepted shapes and error strings.
 */
import { isIP } from 'node:net';

const COMPARE_OPS = new Set(['==', '~=', '>', '>=', '<', '<=', '~~', '~*', 'in', 'has', 'ipmatch']);
const LOGIC_OPS = new Set(['OR', '!OR', 'AND', '!AND']);

function upper(v: unknown): string {
  return typeof v === 'string' ? v.toUpperCase() : String(v);
}

function validIpOrCidr(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  const [ip, bits, extra] = s.split('/');
  if (extra !== undefined || !ip) return false;
  const fam = isIP(ip);
  if (!fam) return false;
  if (bits === undefined) return true;
  if (!/^\d+$/.test(bits)) return false;
  return Number(bits) <= (fam === 4 ? 32 : 128);
}

function compileExpr(expr: unknown[]): string | undefined {
  let [l, op, r] = expr;
  if (expr.length === 4) {
    if (expr[1] !== '!') return "bad 'not' expression";
    [l, , op, r] = expr;
  }
  let opName = op === undefined || op === null ? undefined : typeof op === 'string' ? op.toLowerCase() : String(op);
  if (r === undefined && !(opName !== undefined && COMPARE_OPS.has(opName))) {
    // lua-resty-expr compatibility form: [var, value] means ==
    r = op;
    opName = '==';
    if (r === undefined) return 'invalid expression';
  }
  if (l === undefined || opName === undefined) return 'invalid expression';
  if (!COMPARE_OPS.has(opName)) return `invalid operator '${opName}'`;
  if (opName === 'ipmatch') {
    if (r === undefined || r === '') return 'invalid ip address';
    const list = Array.isArray(r) ? r : [r];
    if (list.length === 0) return 'invalid ip address';
    for (const ip of list) if (!validIpOrCidr(ip)) return `invalid ip address: ${String(ip)}`;
  }
  return undefined;
}

function compile(rules: unknown[]): string | undefined {
  if (rules.length <= 0) return 'rule too short';
  if (Array.isArray(rules[0])) {
    for (const r of rules) {
      const err = Array.isArray(r) ? compile(r) : 'rule too short';
      if (err) return err;
    }
    return undefined;
  }
  if (LOGIC_OPS.has(upper(rules[0]))) {
    if (rules.length <= 2) return 'rule too short';
    for (let i = 1; i < rules.length; i++) {
      const r = rules[i];
      const err = Array.isArray(r) ? compile(r) : 'rule too short';
      if (err) return err;
    }
    return undefined;
  }
  return compileExpr(rules);
}

/** lua-resty-expr `expr.new(rule)` error, or undefined when the rule compiles. */
export function exprError(rule: unknown): string | undefined {
  if (rule === undefined || rule === null) return 'missing argument rule';
  if (!Array.isArray(rule) || rule.length === 0) return undefined;
  if (!Array.isArray(rule[0]) && !LOGIC_OPS.has(upper(rule[0]))) return 'rule should be wrapped inside brackets';
  return compile(rule);
}

/** Route `vars` check with APISIX's message (apisix/admin/routes.lua). */
export function checkVars(vars: unknown): string | undefined {
  const err = exprError(vars);
  return err === undefined ? undefined : `failed to validate the 'vars' expression: ${err}`;
}
