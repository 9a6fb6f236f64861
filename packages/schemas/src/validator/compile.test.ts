import { describe, expect, it } from 'vitest';
import { compileSchema } from './compile.js';

const check = (schema: object, v: unknown) => compileSchema(schema)(v);

describe('compileSchema (api7/jsonschema wording)', () => {
  it('reports a missing required property', () => {
    expect(check({ type: 'object', properties: { key: { type: 'string' } }, required: ['key'] }, {})).toBe(
      'property "key" is required',
    );
  });
  it('reports wrong types with Lua type names', () => {
    expect(check({ type: 'string' }, 1)).toBe('wrong type: expected string, got number');
    expect(check({ type: 'string' }, { a: 1 })).toBe('wrong type: expected string, got table');
    expect(check({ type: 'integer' }, 1.5)).toBe('wrong type: expected integer, got number');
    expect(check({ type: 'object' }, [1])).toBe('wrong type: expected object, got table');
    expect(check({ type: ['string', 'integer'] }, true)).toBe('wrong type: expected one of string, integer, got boolean');
  });
  it('treats an empty array as an empty object, like Lua', () => {
    expect(check({ type: 'object' }, [])).toBeUndefined();
  });
  it('chains nested property failures', () => {
    const s = { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string', minLength: 1 } } } } };
    expect(check(s, { a: { b: '' } })).toBe(
      'property "a" validation failed: property "b" validation failed: string too short, expected at least 1, got 0',
    );
  });
  it('formats string, array, object and number limits', () => {
    expect(check({ type: 'string', maxLength: 3 }, 'abcd')).toBe('string too long, expected at most 3, got 4');
    expect(check({ type: 'array', minItems: 1 }, [])).toBe('expect array to have at least 1 items');
    expect(check({ type: 'object', maxProperties: 1 }, { a: 1, b: 2 })).toBe('expect object to have at most 1 properties');
    expect(check({ type: 'array', uniqueItems: true }, ['a', 'b', 'a'])).toBe(
      'expected unique items but items 1 and 3 are equal',
    );
    expect(check({ type: 'integer', minimum: 200 }, 199)).toBe('expected 199 to be at least 200');
    expect(check({ type: 'number', exclusiveMinimum: 0 }, 0)).toBe('expected 0 to be greater than 0');
    expect(check({ type: 'integer', maximum: 5 }, 6)).toBe('expected 6 to be at most 5');
  });
  it('formats enum, pattern and additionalProperties failures', () => {
    expect(check({ enum: ['a'] }, 'b')).toBe('matches none of the enum values');
    expect(check({ type: 'string', pattern: '^\\S+$' }, 'a b')).toBe('failed to match pattern "^\\\\S+$" with "a b"');
    expect(check({ type: 'object', properties: { a: {} }, additionalProperties: false }, { a: 1, zz: 2 })).toBe(
      'additional properties forbidden, found zz',
    );
  });
  it('formats items (1-based) and patternProperties failures', () => {
    expect(check({ type: 'array', items: { type: 'string', enum: ['GET'] } }, ['GET', 'GOT'])).toBe(
      'failed to validate item 2: matches none of the enum values',
    );
    expect(check({ type: 'object', patternProperties: { '.*': { type: 'string' } } }, { env: {} })).toBe(
      'failed to validate env (matching ".*"): wrong type: expected string, got table',
    );
  });
  it('formats combinators', () => {
    expect(check({ anyOf: [{ type: 'string' }, { type: 'integer' }] }, true)).toBe('object matches none of the required');
    expect(check({ anyOf: [{ required: ['active'] }, { required: ['active', 'passive'] }] }, { passive: {} })).toBe(
      'object matches none of the required: ["active"] or ["active","passive"]',
    );
    const one = { oneOf: [{ required: ['uri'] }, { required: ['uris'] }] };
    expect(check(one, {})).toBe('value should match only one schema, but matches none');
    expect(check(one, { uri: 1, uris: 1 })).toBe('value should match only one schema, but matches both schemas 1 and 2');
    expect(check({ allOf: [{}, one] }, {})).toBe('allOf 2 failed: value should match only one schema, but matches none');
    expect(check({ not: { required: ['a'] } }, { a: 1 })).toBe("value wasn't supposed to match schema");
    expect(check({ if: { required: ['a'] }, then: { required: ['b'] } }, { a: 1 })).toBe('then clause did not match');
  });
  it('formats dependencies', () => {
    const s = {
      type: 'object',
      properties: { time_window: { type: 'integer' }, limit: {} },
      dependencies: { time_window: ['limit'] },
    };
    expect(check(s, { time_window: 1 })).toBe('property "limit" is required when "time_window" is set');
  });
  it('applies defaults in place, including inside oneOf branches', () => {
    const v: Record<string, unknown> = {};
    expect(
      check({ type: 'object', properties: { h: { type: 'string', default: 'apikey' }, l: { type: 'array', default: [1] } } }, v),
    ).toBeUndefined();
    expect(v).toEqual({ h: 'apikey', l: [1] });
    const w: Record<string, unknown> = {};
    check({ oneOf: [{ properties: { p: { default: 0 } } }] }, w);
    expect(w).toEqual({ p: 0 });
  });
  it('skips string validation for secret references', () => {
    const s = { type: 'string', pattern: '^[a-z]+$' };
    expect(check(s, '$secret://vault/1/key')).toBeUndefined();
    expect(check(s, '$ENV://MY_KEY')).toBeUndefined();
    expect(check(s, '$other://x')).toBe('failed to match pattern "^[a-z]+$" with "$other://x"');
  });
  it('compiles each schema object once', () => {
    const s = { type: 'string' };
    expect(compileSchema(s)).toBe(compileSchema(s));
  });
  it('checks contains like api7/jsonschema: an empty table and an array without a matching item fail', () => {
    const s = { type: 'array', contains: { const: 'exact' } };
    expect(check(s, ['semantic', 'exact'])).toBeUndefined();
    expect(check(s, ['semantic'])).toBe('failed to check contains');
    expect(check(s, [])).toBe('check contains: empty array is invalid');
  });
});
