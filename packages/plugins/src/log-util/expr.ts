import { BlockList, isIP } from 'node:net';

/**
 * A compiled lua-resty-expr rule set (api7/lua-resty-expr `resty.expr.v1`), the DSL APISIX
 * uses for `include_req_body_expr`, `include_resp_body_expr` and file-logger `match`.
 * Compiled once per conf; evaluation is allocation-free apart from regex matching.
 */
export interface CompiledExpr {
  eval(lookup: (name: string) => unknown): boolean;
}

type Op = '==' | '~=' | '>' | '>=' | '<' | '<=' | '~~' | '~*' | 'in' | 'has' | 'ipmatch';
const OPS = new Set<string>(['==', '~=', '>', '>=', '<', '<=', '~~', '~*', 'in', 'has', 'ipmatch']);
const LOGIC = new Set(['AND', 'OR', '!AND', '!OR']);

interface Leaf { kind: 'leaf'; name: string; op: Op; right: unknown; reverse: boolean; re?: RegExp; ips?: BlockList }
interface Group { kind: 'group'; logic: string; items: Node[] }
type Node = Leaf | Group;

/** Thrown by {@link compileExpr}; `message` is lua-resty-expr's error string. */
export class ExprError extends Error {
  readonly code = 'EXPR_INVALID';
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isNaN(n) ? undefined : n;
}

function compileLeaf(rule: unknown[]): Leaf {
  let [name, op, right] = rule as [unknown, unknown, unknown];
  let reverse = false;
  if (rule.length === 4) {
    if (rule[1] !== '!') throw new ExprError("bad 'not' expression");
    reverse = true;
    [name, , op, right] = rule as [unknown, unknown, unknown, unknown];
  }
  let opStr = typeof op === 'string' ? op.toLowerCase() : undefined;
  // lua-resty-expr accepts the two-element form {var, value} as {var, "==", value}.
  if (right === undefined && (opStr === undefined || !OPS.has(opStr))) {
    if (op === undefined) throw new ExprError('invalid expression');
    right = op;
    opStr = '==';
  }
  if (name === undefined || name === null || opStr === undefined) throw new ExprError('invalid expression');
  if (!OPS.has(opStr)) throw new ExprError(`invalid operator '${opStr}'`);
  const leaf: Leaf = { kind: 'leaf', name: String(name), op: opStr as Op, right: right === null ? undefined : right, reverse };
  if (opStr === '~~' || opStr === '~*') {
    try {
      leaf.re = new RegExp(String(right), opStr === '~*' ? 'i' : '');
    } catch (err) {
      throw new ExprError(`invalid regex: ${(err as Error).message}`);
    }
  } else if (opStr === 'ipmatch') {
    const list = Array.isArray(right) ? right : right === undefined || right === '' ? [] : [right];
    if (list.length === 0) throw new ExprError('invalid ip address');
    leaf.ips = new BlockList();
    for (const item of list) addIp(leaf.ips, String(item));
  }
  return leaf;
}

function addIp(list: BlockList, spec: string): void {
  const [addr = '', bits] = spec.split('/');
  const family = isIP(addr);
  if (family === 0) throw new ExprError(`invalid ip address: ${spec}`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) list.addAddress(addr, type);
  else list.addSubnet(addr, Number(bits), type);
}

function compile(rules: unknown[]): Node {
  if (rules.length === 0) throw new ExprError('rule too short');
  if (Array.isArray(rules[0])) {
    return { kind: 'group', logic: 'AND', items: rules.map((r) => compile(asArray(r))) };
  }
  const first = typeof rules[0] === 'string' ? rules[0].toUpperCase() : '';
  if (LOGIC.has(first)) {
    if (rules.length <= 2) throw new ExprError('rule too short');
    return { kind: 'group', logic: first, items: rules.slice(1).map((r) => compile(asArray(r))) };
  }
  return compileLeaf(rules);
}

function asArray(r: unknown): unknown[] {
  if (!Array.isArray(r)) throw new ExprError('invalid expression');
  return r;
}

function compare(left: unknown, leaf: Leaf): boolean {
  const right = leaf.right;
  switch (leaf.op) {
    case '==':
      if (typeof right === 'number') return toNumber(left) === right;
      return left === right;
    case '~=':
      if (typeof right === 'number') { const n = toNumber(left); return n === undefined || n !== right; }
      return left !== right;
    case '>': case '>=': case '<': case '<=': {
      const l = toNumber(left); const r = toNumber(right);
      if (l === undefined || r === undefined) return false;
      return leaf.op === '>' ? l > r : leaf.op === '>=' ? l >= r : leaf.op === '<' ? l < r : l <= r;
    }
    case '~~': case '~*':
      return typeof left === 'string' && leaf.re!.test(left);
    case 'in':
      return Array.isArray(right) && right.includes(left);
    case 'has':
      return Array.isArray(left) && left.includes(right);
    case 'ipmatch': {
      if (typeof left !== 'string') return false;
      const family = isIP(left);
      return family !== 0 && leaf.ips!.check(left, family === 4 ? 'ipv4' : 'ipv6');
    }
  }
}

function evalNode(node: Node, lookup: (name: string) => unknown): boolean {
  if (node.kind === 'leaf') return compare(lookup(node.name), node) !== node.reverse;
  const isAnd = node.logic === 'AND' || node.logic === '!AND';
  let result = isAnd;
  for (const item of node.items) {
    if (evalNode(item, lookup) !== isAnd) { result = !isAnd; break; }
  }
  return node.logic.startsWith('!') ? !result : result;
}

/**
 * Compile a rule set. Like `expr.new`, the top level must be a list of rules or start with
 * a logic operator; an empty list always evaluates true. Throws {@link ExprError}.
 */
export function compileExpr(rule: unknown): CompiledExpr {
  if (!Array.isArray(rule)) throw new ExprError('missing argument rule');
  if (rule.length === 0) return { eval: () => true };
  if (!Array.isArray(rule[0])) {
    const first = typeof rule[0] === 'string' ? rule[0].toUpperCase() : '';
    if (!LOGIC.has(first)) throw new ExprError('rule should be wrapped inside brackets');
  }
  const root = compile(rule);
  return { eval: (lookup) => evalNode(root, lookup) };
}

/** Validate a rule set, returning lua-resty-expr's error string or undefined. */
export function exprError(rule: unknown): string | undefined {
  try {
    compileExpr(rule);
    return undefined;
  } catch (err) {
    return err instanceof ExprError ? err.message : String(err);
  }
}

/** Validate a logger's expression fields (apisix/utils/log-util.lua check_log_schema). */
export function checkLogExprs(conf: { include_req_body_expr?: unknown; include_resp_body_expr?: unknown }): string | undefined {
  for (const field of ['include_req_body_expr', 'include_resp_body_expr'] as const) {
    if (conf[field] === undefined) continue;
    const err = exprError(conf[field]);
    if (err) return `failed to validate the '${field}' expression: ${err}`;
  }
  return undefined;
}
