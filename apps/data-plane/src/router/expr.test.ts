import { describe, expect, it } from 'vitest';
import { compileExpr } from './expr.js';

const vars: Record<string, string> = { arg_n: '10', arg_s: 'Hello', remote_addr: '10.1.2.3', http_x: 'abc' };
const get = { get: (n: string): string | undefined => vars[n] };

describe('compileExpr (lua-resty-expr)', () => {
  it.each([
    [[['arg_n', '==', '10']], true],
    [[['arg_n', '==', 10]], true],
    [[['arg_n', '==', 11]], false],
    [[['arg_n', '~=', '10']], false],
    [[['arg_missing', '~=', 'x']], true],
    [[['arg_n', '>', 9]], true],
    [[['arg_n', '<', '9']], false],
    [[['arg_n', '>=', 10]], true],
    [[['arg_n', '<=', 9.5]], false],
    [[['arg_s', '>', 1]], false],
    [[['arg_s', '~~', '^H[a-z]+$']], true],
    [[['arg_s', '~~', '^h']], false],
    [[['arg_s', '~*', '^h']], true],
    [[['arg_s', 'in', ['Hello', 'x']]], true],
    [[['arg_s', 'in', ['hello']]], false],
    [[['arg_s', 'has', 'Hello']], false],
    [[['remote_addr', 'ipmatch', ['10.0.0.0/8']]], true],
    [[['remote_addr', 'ipmatch', '192.168.0.0/16']], false],
    [[['arg_s', '!', '~~', '^H']], false],
    [[['arg_n', '==', '10'], ['arg_s', '==', 'nope']], false],
    [['OR', ['arg_n', '==', '1'], ['arg_s', '==', 'Hello']], true],
    [['!OR', ['arg_n', '==', '1'], ['arg_s', '==', 'Hello']], false],
    [['AND', ['arg_n', '==', '10'], ['OR', ['http_x', '==', 'abc'], ['arg_s', '==', 'x']]], true],
    [['!AND', ['arg_n', '==', '10'], ['arg_s', '==', 'Hello']], false],
    [[], true],
  ])('%j → %s', (rule, expected) => {
    expect(compileExpr(rule)(get)).toBe(expected);
  });

  it('rejects unknown operators and invalid regexes at compile time', () => {
    expect(() => compileExpr([['a', 'nope', 1]])).toThrow("invalid operator 'nope'");
    expect(() => compileExpr([['a', '~~', '(']])).toThrow(/invalid regex/);
  });
});
