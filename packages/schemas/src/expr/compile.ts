import { compileIpList } from './ip.js';
import { ExprError } from './error.js';
import { compareFor, type Compare } from './ops.js';

/** `[var, op, value]` (or `[var, "!", op, value]`) after compilation. */
export interface LeafNode {
  readonly kind: 0;
  readonly name: string;
  readonly test: Compare;
  readonly reverse: boolean;
}
/** A list of rules joined by AND / OR, optionally negated (`!AND`, `!OR`). */
export interface GroupNode {
  readonly kind: 1;
  readonly or: boolean;
  readonly not: boolean;
  readonly items: readonly ExprNode[];
}
export type ExprNode = LeafNode | GroupNode;

const OPS = new Set(['==', '~=', '>', '>=', '<', '<=', '~~', '~*', 'in', 'has', 'ipmatch']);
const LOGIC_OPS = new Set(['OR', '!OR', 'AND', '!AND']);

/**
 * Lua's `str_lower(op)`: strings and numbers become strings; nil stays nil. Other types make
 * lua-resty-expr raise; we report them as an unknown operator instead.
 */
function lowerOp(op: unknown): string | undefined {
  if (op === undefined) return undefined;
  if (typeof op === 'string') return op.toLowerCase();
  return String(op);
}

/** `str_upper(rules[1])` compared against the logic operators (case-insensitive, as in Lua). */
export function logicOp(head: unknown): string | undefined {
  if (typeof head !== 'string') return undefined;
  const up = head.toUpperCase();
  return LOGIC_OPS.has(up) ? up : undefined;
}

/** v1.lua compile_expr: one comparison. `regex` false skips building regexes (validation only). */
function compileLeaf(expr: unknown[], regex: boolean): LeafNode {
  let l: unknown;
  let rawOp: unknown;
  let r: unknown;
  let reverse = false;
  if (expr.length === 4) {
    if (expr[1] !== '!') throw new ExprError("bad 'not' expression");
    reverse = true;
    [l, , rawOp, r] = expr;
  } else {
    [l, rawOp, r] = expr;
  }
  let op = lowerOp(rawOp);
  if (r === undefined && !(op !== undefined && OPS.has(op))) {
    // "for compatibility": [var, value] means [var, "==", value] -- with the value already
    // lower-cased by the str_lower above, exactly as lua-resty-expr does.
    r = op;
    op = '==';
    if (r === undefined) throw new ExprError('invalid expression');
  }
  if (l === undefined || l === null || op === undefined) throw new ExprError('invalid expression');
  if (!OPS.has(op)) throw new ExprError(`invalid operator '${op}'`);
  if (op === 'ipmatch') {
    if (r === undefined || r === null || r === false || r === '') throw new ExprError('invalid ip address');
    const list = Array.isArray(r) ? r : [r];
    if (list.length === 0) throw new ExprError('invalid ip address');
    const ips = compileIpList(list);
    if (typeof ips === 'string') throw new ExprError(ips);
    r = ips;
  }
  return { kind: 0, name: String(l), test: compareFor(op, r, regex), reverse };
}

/** A nested element must itself be a rule list; lua-resty-expr raises on scalars. */
function sub(r: unknown, regex: boolean): ExprNode {
  if (!Array.isArray(r)) throw new ExprError('rule too short');
  return compileRules(r, regex);
}

/** v1.lua compile: a list of lists is AND; a list headed by a logic op groups its rest. */
function compileRules(rules: unknown[], regex: boolean): ExprNode {
  if (rules.length <= 0) throw new ExprError('rule too short');
  if (Array.isArray(rules[0])) {
    return { kind: 1, or: false, not: false, items: rules.map((r) => sub(r, regex)) };
  }
  const logic = logicOp(rules[0]);
  if (logic !== undefined) {
    if (rules.length <= 2) throw new ExprError('rule too short');
    const items = rules.slice(1).map((r) => sub(r, regex));
    return { kind: 1, or: logic.endsWith('OR'), not: logic.startsWith('!'), items };
  }
  return compileLeaf(rules, regex);
}

/**
 * v1.lua `_M.new`: returns the root node, or undefined for an empty rule (always true).
 * Throws ExprError with lua-resty-expr's message.
 */
export function compileRoot(rule: unknown, regex: boolean): ExprNode | undefined {
  if (rule === undefined || rule === null || rule === false) throw new ExprError('missing argument rule');
  if (!Array.isArray(rule)) {
    // A JSON object is a Lua table whose length is 0: the empty rule.
    if (typeof rule === 'object') return undefined;
    throw new ExprError('rule should be wrapped inside brackets');
  }
  if (rule.length === 0) return undefined;
  if (!Array.isArray(rule[0]) && logicOp(rule[0]) === undefined) {
    throw new ExprError('rule should be wrapped inside brackets');
  }
  return compileRules(rule, regex);
}
