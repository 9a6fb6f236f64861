import { describe, expect, it } from 'vitest';
import { compileExpr, exprError, ExprError, luaToNumber } from './index.js';

const VARS: Record<string, unknown> = {
  arg_n: '10',
  arg_s: 'Hello',
  arg_hex: '0x10',
  arg_pad: ' 7 ',
  arg_bin: '0b11',
  remote_addr: '10.1.2.3',
  v6: 'fe80::1:2',
  mapped: '::ffff:192.168.1.7',
  http_x: 'abc',
  list: ['y', 'x'],
  num: 10,
};
const fn = (name: string): unknown => VARS[name];
const getter = { get: (name: string): unknown => VARS[name] };

describe('compileExpr evaluation (api7/lua-resty-expr v1.lua)', () => {
  it.each<[string, unknown, boolean]>([
    // == / ~= : tonumber() on the variable only when the operand is a number
    ['== string', [['arg_n', '==', '10']], true],
    ['== number coerces the variable', [['arg_n', '==', 10]], true],
    ['== number mismatch', [['arg_n', '==', 11]], false],
    ['== number on a non-number', [['arg_s', '==', 0]], false],
    ['== string never equals a number variable', [['num', '==', '10']], false],
    ['== null means the variable is nil', [['arg_missing', '==', null]], true],
    ['[var, "=="] compares with nil', [['arg_missing', '==']], true],
    ['~= string', [['arg_n', '~=', '10']], false],
    ['~= on a missing variable', [['arg_missing', '~=', 'x']], true],
    ['~= number on a non-number', [['arg_s', '~=', 1]], true],
    ['~= null means the variable is set', [['arg_n', '~=', null]], true],
    // > >= < <= : tonumber() on both sides, false when either is not a number
    ['> number', [['arg_n', '>', 9]], true],
    ['< numeric string operand', [['arg_n', '<', '9']], false],
    ['>=', [['arg_n', '>=', 10]], true],
    ['<= float', [['arg_n', '<=', 9.5]], false],
    ['> on a non-number variable', [['arg_s', '>', 1]], false],
    ['> with a non-number operand', [['arg_n', '>', 'abc']], false],
    ['> on a missing variable', [['arg_missing', '>', 1]], false],
    ['hex strings are numbers (Lua tonumber)', [['arg_hex', '==', 16]], true],
    ['surrounding spaces are allowed', [['arg_pad', '>', 6]], true],
    ['0b literals are not numbers', [['arg_bin', '>', 0]], false],
    ['number variables compare numerically', [['num', '>', 9]], true],
    // regex
    ['~~ matches', [['arg_s', '~~', '^H[a-z]+$']], true],
    ['~~ is case-sensitive', [['arg_s', '~~', '^h']], false],
    ['~* is case-insensitive', [['arg_s', '~*', '^h']], true],
    ['~~ on a missing variable', [['arg_missing', '~~', '.*']], false],
    ['! ~~ on a missing variable', [['arg_missing', '!', '~~', '.*']], true],
    // in / has
    ['in', [['arg_s', 'in', ['Hello', 'x']]], true],
    ['in is case-sensitive', [['arg_s', 'in', ['hello']]], false],
    ['in with a non-array operand', [['arg_s', 'in', 'Hello']], false],
    ['in never coerces', [['arg_n', 'in', [10]]], false],
    ['has on a string variable', [['arg_s', 'has', 'Hello']], false],
    ['has on an array variable', [['list', 'has', 'x']], true],
    ['has misses', [['list', 'has', 'z']], false],
    // ipmatch (lua-resty-ipmatcher)
    ['ipmatch CIDR list', [['remote_addr', 'ipmatch', ['10.0.0.0/8']]], true],
    ['ipmatch single CIDR misses', [['remote_addr', 'ipmatch', '192.168.0.0/16']], false],
    ['ipmatch exact address', [['remote_addr', 'ipmatch', ['10.1.2.3', '::1']]], true],
    ['ipmatch IPv6 prefix', [['v6', 'ipmatch', ['fe80::/10']]], true],
    ['ipmatch bracketed IPv6', [['v6', 'ipmatch', '[fe80::1:2]']], true],
    ['ipmatch IPv4 client on a dual-stack socket', [['mapped', 'ipmatch', ['192.168.1.0/24']]], true],
    ['ipmatch on a non-address', [['arg_s', 'ipmatch', ['0.0.0.0/0']]], false],
    ['ipmatch on a missing variable', [['arg_missing', 'ipmatch', ['0.0.0.0/0']]], false],
    // ! negation and the two-element form
    ['! negates', [['arg_s', '!', '~~', '^H']], false],
    ['! negates a miss', [['arg_n', '!', '>', 15]], true],
    ['[var, value] is ==', [['http_x', 'abc']], true],
    ['[var, value] lower-cases the value like str_lower(op)', [['http_x', 'ABC']], true],
    ['[var, value] so never matches a mixed-case variable', [['arg_s', 'Hello']], false],
    ['operators are case-insensitive', [['arg_s', 'IN', ['Hello']]], true],
    // logic
    [
      'a list of rules is AND',
      [
        ['arg_n', '==', '10'],
        ['arg_s', '==', 'nope'],
      ],
      false,
    ],
    ['OR', ['OR', ['arg_n', '==', '1'], ['arg_s', '==', 'Hello']], true],
    ['!OR', ['!OR', ['arg_n', '==', '1'], ['arg_s', '==', 'Hello']], false],
    ['!AND', ['!AND', ['arg_n', '==', '10'], ['arg_s', '==', 'Hello']], false],
    ['!AND with a miss', ['!AND', ['arg_n', '==', '10'], ['arg_s', '==', 'x']], true],
    ['logic operators are case-insensitive', ['or', ['arg_n', '==', '1'], ['arg_s', '==', 'Hello']], true],
    ['nested groups', ['AND', ['arg_n', '==', '10'], ['OR', ['http_x', '==', 'abc'], ['arg_s', '==', 'x']]], true],
    [
      'a nested list of lists is AND',
      [
        'OR',
        [
          ['arg_n', '==', '10'],
          ['arg_s', '==', 'x'],
        ],
        ['http_x', '==', 'no'],
      ],
      false,
    ],
    ['empty rule is always true', [], true],
    ['a JSON object is an empty Lua table', {}, true],
  ])('%s', (_name, rule, expected) => {
    const compiled = compileExpr(rule);
    expect(compiled.eval(fn)).toBe(expected);
    expect(compiled.eval(getter)).toBe(expected);
  });

  it('compiles regexes once: a pattern JavaScript cannot compile fails at compile time', () => {
    expect(() => compileExpr([['a', '~~', '(']])).toThrow(ExprError);
    expect(() => compileExpr([['a', '~~', '(']])).toThrow(/^invalid regex: /);
    expect(() => compileExpr([['a', '~*', ['x']]])).toThrow('invalid regex: x');
  });

  it('throws ExprError with code invalid_expr and the lua-resty-expr message', () => {
    let caught: unknown;
    try {
      compileExpr([['a', 'nope', 1]]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ExprError);
    expect((caught as ExprError).code).toBe('invalid_expr');
    expect((caught as ExprError).message).toBe("invalid operator 'nope'");
  });
});

describe('exprError (expr.new errors)', () => {
  it.each<[unknown, string | undefined]>([
    [undefined, 'missing argument rule'],
    [null, 'missing argument rule'],
    ['arg_n', 'rule should be wrapped inside brackets'],
    [['arg_name', '==', 'json'], 'rule should be wrapped inside brackets'],
    [[['a', 'like', 'b']], "invalid operator 'like'"],
    [[['arg_k', '=', 'v']], "invalid operator '='"],
    [[['a', 'nope', 1]], "invalid operator 'nope'"],
    [[['a', 'Like', 'b']], "invalid operator 'like'"],
    [[['a', 5, 'b']], "invalid operator '5'"],
    [[['a', '?', '>', 1]], "bad 'not' expression"],
    [[['a', '!', 'like', 1]], "invalid operator 'like'"],
    [[['a']], 'invalid expression'],
    [[[null, '==', 'x']], 'invalid expression'],
    [['OR', ['a', '==', 'b']], 'rule too short'],
    [[[]], 'rule too short'],
    [[['a', '==', 'b'], 'x'], 'rule too short'],
    [['AND', ['a', '==', 'b'], 'x'], 'rule too short'],
    [[['ip', 'ipmatch', []]], 'invalid ip address'],
    [[['ip', 'ipmatch', '']], 'invalid ip address'],
    [[['ip', 'ipmatch']], 'invalid ip address'],
    [[['ip', 'ipmatch', ['10.0.0.300/8']]], 'invalid ip address: 10.0.0.300'],
    [[['ip', 'ipmatch', ['10.0.0.0/33']]], 'invalid ip address: 10.0.0.0'],
    [[['ip', 'ipmatch', ['::1/129']]], 'invalid ip address: ::1'],
    [[['ip', 'ipmatch', 'nope']], 'invalid ip address: nope'],
    [[['ip', 'ipmatch', ['10.0.0.0/8', 'fe80::/10', '[::1]']]], undefined],
    [[['a', '==', 'b']], undefined],
    [
      [
        ['arg_k', '==', 'v'],
        ['OR', ['a', '~~', 'x'], ['b', '!', 'in', ['c']]],
      ],
      undefined,
    ],
    [[['a', 'b']], undefined],
    [[], undefined],
    // Patterns are PCRE run by ngx.re at eval time; expr.new never compiles them.
    [[['a', '~~', '(?i)abc']], undefined],
  ])('%j → %s', (rule, expected) => {
    expect(exprError(rule)).toBe(expected);
  });
});

describe('luaToNumber (Lua tonumber)', () => {
  it.each<[unknown, number | undefined]>([
    ['10', 10],
    [' -1.5 ', -1.5],
    ['.5', 0.5],
    ['1e3', 1000],
    ['0x1A', 26],
    ['-0x10', -16],
    ['', undefined],
    ['0b11', undefined],
    ['Infinity', undefined],
    ['1 2', undefined],
    [7, 7],
    [true, undefined],
    [undefined, undefined],
  ])('%j → %s', (input, expected) => {
    expect(luaToNumber(input)).toBe(expected);
  });
});
