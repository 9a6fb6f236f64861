import { describe, expect, it } from 'vitest';
import { cjsonDecodeError } from './cjson-error.js';

describe('cjsonDecodeError', () => {
  it.each([
    ['{"a""b"}', 'Expected colon but found T_STRING at character 5'],
    ['"a" "b"', 'Expected the end but found T_STRING at character 5'],
    ['{"a":1,}', 'Expected object key string but found T_OBJ_END at character 8'],
    ['[1 2]', 'Expected comma or array end but found T_NUMBER at character 4'],
    ['{"a":1 "b"}', 'Expected comma or object end but found T_STRING at character 8'],
    ['hello', 'Expected value but found invalid token at character 1'],
    ['   ', 'Expected value but found T_END at character 4'],
    ['{"a', 'Expected object key string but found unexpected end of string at character 4'],
    ['{"a":"\\x"}', 'Expected value but found invalid escape code at character 7'],
    ['{"a":-}', 'Expected value but found invalid number at character 6'],
    ['{"a": tru}', 'Expected value but found invalid token at character 7'],
  ])('reports %s like lua-cjson', (input, msg) => {
    expect(cjsonDecodeError(input)).toBe(msg);
  });

  it('accepts valid documents', () => {
    expect(cjsonDecodeError('{"a":[1,2.5e3,true,null,"\\u00e9"]}')).toBeUndefined();
  });

  it('counts characters in bytes', () => {
    expect(cjsonDecodeError('{"é":1 2}')).toBe('Expected comma or object end but found T_NUMBER at character 9');
  });
});
