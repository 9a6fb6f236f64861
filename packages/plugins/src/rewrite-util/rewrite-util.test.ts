import { describe, expect, it } from 'vitest';
import { appendHeader, luaToString, validHeaderField, validHeaderValue } from './headers.js';
import { compileNgxRegex, compileReplacement, ngxMatch, ngxSub, RegexError } from './pcre.js';
import { compileVarTemplate, resolveCaptures } from './template.js';
import { escapeControlChars, uriSafeEncode } from './uri-encode.js';

const vars = (m: Record<string, string>) => ({ get: (n: string) => m[n], set: () => undefined });

describe('ngx.re in JavaScript', () => {
  it('sub replaces the first match with $N / ${N} captures and $$ as a dollar', () => {
    const re = compileNgxRegex('^/api/(.*)/(v\\d)');
    expect(ngxSub('/api/users/v2', re, compileReplacement('/${2}/$1$$')).out).toBe('/v2/users$');
    expect(ngxSub('/other', re, compileReplacement('/x')).n).toBe(0);
  });
  it('gsub replaces every match, including after empty matches', () => {
    const re = compileNgxRegex('o', 'jo', true);
    expect(ngxSub('foo boo', re, compileReplacement('0')).out).toBe('f00 b00');
    expect(ngxSub('ab', compileNgxRegex('x*', 'jo', true), compileReplacement('-')).out).toBe('-a-b-');
  });
  it('honours i, x, a options and \\A / \\z anchors', () => {
    expect(ngxMatch('HELLO', compileNgxRegex('hello', 'i'))).toBeDefined();
    expect(ngxMatch('abc', compileNgxRegex(' a b # comment\n c', 'x'))?.[0]).toBe('abc');
    expect(ngxMatch('xabc', compileNgxRegex('abc', 'a'))).toBeUndefined();
    expect(ngxMatch('abc', compileNgxRegex('\\Aabc\\z'))).toBeDefined();
  });
  it('reports patterns and templates that do not compile', () => {
    expect(() => compileNgxRegex('[^/test/(.*)')).toThrow(RegexError);
    expect(() => compileNgxRegex('[^/test/(.*)')).toThrow(/^pcre_compile\(\) failed: .* in "\[\^\/test\/\(\.\*\)"$/);
    expect(() => compileReplacement('/$x')).toThrow('invalid capturing variable name found in "$x"');
    expect(() => compileNgxRegex('a', 'q')).toThrow('unknown flag "q" (flags "q")');
  });
});

describe('resolve_var templates', () => {
  it('expand $name, ${name} and ${name ?? default}; unset is empty; \\$ is kept', () => {
    const t = compileVarTemplate('/$uri/${arg_a}/${arg_b ?? dflt}/$nope/\\$uri');
    expect(t.render(vars({ uri: '/p', arg_a: 'A' }))).toBe('//p/A/dflt//\\$uri');
    expect(compileVarTemplate('plain').dynamic).toBe(false);
  });
  it('apply an escaper to variable values only', () => {
    expect(compileVarTemplate('/x?$arg_q').render(vars({ arg_q: 'a?b' }), (v) => v.replace('?', '%3F'))).toBe('/x?a%3Fb');
  });
  it('resolve $N captures, missing ones empty', () => {
    expect(resolveCaptures('v-$1-${2}-$3', ['all', 'one', 'two'])).toBe('v-one-two-');
  });
});

describe('nginx URI escaping', () => {
  it('uri_safe_encode escapes space, #, %, ?, controls and non-ASCII bytes', () => {
    expect(uriSafeEncode('/a b#c%d?e\u00e9')).toBe('/a%20b%23c%25d%3Fe%C3%A9');
    expect(uriSafeEncode('/plain/path')).toBe('/plain/path');
  });
  it('escape_uri_control_chars touches control characters only', () => {
    expect(escapeControlChars('?a=1\r\nX: y&b=\u00e9')).toBe('?a=1%0D%0AX: y&b=\u00e9');
  });
});

describe('header helpers', () => {
  it('validate names and values as core.utils does', () => {
    expect(validHeaderField('X-Api')).toBe(true);
    expect(validHeaderField('X:Api')).toBe(false);
    expect(validHeaderValue('ok')).toBe(true);
    expect(validHeaderValue('bad\n')).toBe(false);
    expect(validHeaderValue(12)).toBe(true);
  });
  it('print numbers as Lua does and append repeated values as a list', () => {
    expect(luaToString(2)).toBe('2');
    expect(luaToString(1.5)).toBe('1.5');
    const h: Record<string, string | readonly string[] | undefined> = {};
    appendHeader(h, 'vary', 'a');
    appendHeader(h, 'vary', 'b');
    expect(h.vary).toEqual(['a', 'b']);
  });
});
