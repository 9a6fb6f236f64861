import { describe, expect, it } from 'vitest';
import { compileExpr, exprError } from './expr.js';

const vars = (v: Record<string, unknown>) => (name: string) => v[name];

describe('compileExpr (lua-resty-expr v1)', () => {
  it('ANDs a plain list of rules, with "!" negation and numeric comparisons', () => {
    const e = compileExpr([['arg_name', '==', 'json'], ['arg_weight', '>', 10], ['arg_weight', '!', '>', 15]]);
    expect(e.eval(vars({ arg_name: 'json', arg_weight: '12' }))).toBe(true);
    expect(e.eval(vars({ arg_name: 'json', arg_weight: '16' }))).toBe(false);
    expect(e.eval(vars({ arg_name: 'xml', arg_weight: '12' }))).toBe(false);
  });

  it('supports OR / !AND groups, regex, in, has and ipmatch', () => {
    expect(compileExpr(['OR', ['a', '==', 'x'], ['b', '~~', '^ab+$']]).eval(vars({ b: 'abbb' }))).toBe(true);
    expect(compileExpr(['!AND', ['a', '==', 'x'], ['b', '==', 'y']]).eval(vars({ a: 'x', b: 'y' }))).toBe(false);
    expect(compileExpr([['h', '~*', 'CURL']]).eval(vars({ h: 'curl/8' }))).toBe(true);
    expect(compileExpr([['m', 'in', ['GET', 'POST']]]).eval(vars({ m: 'POST' }))).toBe(true);
    expect(compileExpr([['l', 'has', 'x']]).eval(vars({ l: ['y', 'x'] }))).toBe(true);
    expect(compileExpr([['ip', 'ipmatch', ['10.0.0.0/8', '::1']]]).eval(vars({ ip: '10.2.3.4' }))).toBe(true);
    expect(compileExpr([['ip', 'ipmatch', '10.0.0.0/8']]).eval(vars({ ip: '11.2.3.4' }))).toBe(false);
  });

  it('treats a missing variable as not equal and an empty rule list as true', () => {
    expect(compileExpr([['a', '~=', 'x']]).eval(vars({}))).toBe(true);
    expect(compileExpr([['a', '==', 1]]).eval(vars({ a: '1' }))).toBe(true);
    expect(compileExpr([]).eval(vars({}))).toBe(true);
  });

  it('reports lua-resty-expr error strings', () => {
    expect(exprError(['arg_name', '==', 'json'])).toBe('rule should be wrapped inside brackets');
    expect(exprError([['a', 'like', 'b']])).toBe("invalid operator 'like'");
    expect(exprError([['a', '?', '>', 1]])).toBe("bad 'not' expression");
    expect(exprError(['OR', ['a', '==', 'b']])).toBe('rule too short');
    expect(exprError([['ip', 'ipmatch', []]])).toBe('invalid ip address');
    expect(exprError([['a', '==', 'b']])).toBeUndefined();
  });
});
