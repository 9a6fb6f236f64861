import { compileIpMatcher } from './ip.js';

/** Where an expression reads nginx variables from (ctx.vars). */
export interface VarSource {
  get(name: string): string | undefined;
}
/** A compiled lua-resty-expr expression. */
export type CompiledExpr = (vars: VarSource) => boolean;

/** Thrown for an expression lua-resty-expr would refuse at `expr.new` time. */
export class ExprError extends Error {
  readonly code = 'invalid_expr';
}

const LOGIC = new Set(['AND', 'OR', '!AND', '!OR']);

/**
 * Compile route `vars` / plugin `_meta.filter` (api7/lua-resty-expr `expr.new`) once per
 * snapshot: `[[var, op, val], ...]` is an AND list; `["OR"|"AND"|"!OR"|"!AND", e1, e2, ...]`
 * nests; a leaf `[var, "!", op, val]` negates. Regexes are built here, never per request.
 */
export function compileExpr(rule: unknown): CompiledExpr {
  if (!Array.isArray(rule)) throw new ExprError('rule should be a table');
  if (rule.length === 0) return () => true;
  const head = rule[0];
  if (typeof head === 'string' && LOGIC.has(head)) {
    const subs = rule.slice(1).map(compileExpr);
    const any = head.endsWith('OR');
    const negate = head.startsWith('!');
    return (get) => {
      let res = !any;
      for (const s of subs) {
        if (s(get) === any) {
          res = any;
          break;
        }
      }
      return negate ? !res : res;
    };
  }
  if (typeof head === 'string') return compileLeaf(rule);
  const subs = rule.map(compileExpr);
  return (get) => {
    for (const s of subs) if (!s(get)) return false;
    return true;
  };
}

function compileLeaf(rule: unknown[]): CompiledExpr {
  const name = rule[0] as string;
  let negate = false;
  let op = rule[1];
  let val = rule[2];
  if (op === '!') {
    negate = true;
    op = rule[2];
    val = rule[3];
  }
  if (typeof op !== 'string') throw new ExprError(`invalid operator '${String(op)}'`);
  const cmp = compileOp(op, val);
  return negate ? (vars) => !cmp(vars.get(name)) : (vars) => cmp(vars.get(name));
}

type Cmp = (v: string | undefined) => boolean;

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isNaN(n) ? undefined : n;
}

function compileOp(op: string, val: unknown): Cmp {
  switch (op) {
    case '==':
    case '~=': {
      // lua-resty-expr converts the variable with tonumber() when the operand is a number.
      const eq: Cmp =
        typeof val === 'number' ? (v) => num(v) === val : (v) => v === (val === null ? undefined : val);
      return op === '==' ? eq : (v) => !eq(v);
    }
    case '>':
    case '<':
    case '>=':
    case '<=': {
      const r = num(val);
      if (r === undefined) return () => false;
      if (op === '>') return (v) => { const l = num(v); return l !== undefined && l > r; };
      if (op === '<') return (v) => { const l = num(v); return l !== undefined && l < r; };
      if (op === '>=') return (v) => { const l = num(v); return l !== undefined && l >= r; };
      return (v) => { const l = num(v); return l !== undefined && l <= r; };
    }
    case '~~':
    case '~*': {
      if (typeof val !== 'string') throw new ExprError(`invalid regex: ${String(val)}`);
      let re: RegExp;
      try {
        re = new RegExp(val, op === '~*' ? 'i' : '');
      } catch (e) {
        throw new ExprError(`invalid regex: ${(e as Error).message}`);
      }
      return (v) => v !== undefined && re.test(v);
    }
    case 'in': {
      if (!Array.isArray(val)) return () => false;
      const set = new Set(val.filter((x) => typeof x === 'string'));
      return (v) => v !== undefined && set.has(v);
    }
    case 'has':
      // lua-resty-expr requires an array on the left; nginx variables are scalars, so
      // `has` never matches a built-in variable (same as APISIX).
      return () => false;
    case 'ipmatch': {
      const list = Array.isArray(val) ? (val as string[]) : [val as string];
      let m;
      try {
        m = compileIpMatcher(list);
      } catch (e) {
        throw new ExprError((e as Error).message);
      }
      return (v) => v !== undefined && m.match(v);
    }
    default:
      throw new ExprError(`invalid operator '${op}'`);
  }
}
