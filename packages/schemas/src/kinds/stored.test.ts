import type { PluginDefinition } from '@portico/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { isStoredObject, kindOf, storedForm, storedValueError } from './index.js';

const prometheus: PluginDefinition = { name: 'prometheus', priority: 500, schema: { type: 'object' } };
const lookup = (n: string) => (n === 'prometheus' ? prometheus : undefined);

describe('storedForm (cjson decodes [] to an empty table and encodes it back as {})', () => {
  it('turns an empty-array value, plugins map and plugin conf into objects', () => {
    expect(storedForm(kindOf('services'), [])).toEqual({});
    expect(storedForm(kindOf('plugin_metadata'), [])).toEqual({});
    expect(storedForm(kindOf('global_rules'), { plugins: [] })).toEqual({ plugins: {} });
    expect(storedForm(kindOf('routes'), { plugins: { prometheus: [] } })).toEqual({ plugins: { prometheus: {} } });
  });

  it('leaves non-empty arrays and other values for the checks to refuse', () => {
    expect(storedForm(kindOf('services'), [1])).toEqual([1]);
    expect(storedForm(kindOf('services'), null)).toBeNull();
    expect(storedForm(kindOf('routes'), { uris: [] })).toEqual({ uris: [] });
  });
});

describe('storedValueError: what a data plane would skip', () => {
  it('accepts a valid value of each shape', () => {
    expect(storedValueError(kindOf('services'), { id: '1' }, lookup)).toBeUndefined();
    expect(storedValueError(kindOf('routes'), { id: '1', uri: '/a', plugins: { prometheus: {} } }, lookup)).toBeUndefined();
    expect(storedValueError(kindOf('plugin_metadata'), { id: 'anything', x: 1 })).toBeUndefined();
  });

  it('refuses a plugins map or plugin conf that is not an object, and unknown plugins when it knows the set', () => {
    expect(storedValueError(kindOf('global_rules'), { id: '1', plugins: { prometheus: [1] } }, lookup)).toBe(
      'invalid plugin conf [1] for plugin [prometheus]',
    );
    expect(storedValueError(kindOf('routes'), { id: '1', uri: '/', plugins: { nope: {} } }, lookup)).toBe(
      'unknown plugin [nope]',
    );
    expect(storedValueError(kindOf('routes'), { id: '1', uri: '/', plugins: { nope: {} } })).toBeUndefined();
  });

  it('refuses a schema failure, a bad upstream and Lua fields', () => {
    expect(storedValueError(kindOf('services'), { id: '1', desc: 5 })).toBe(
      'property "desc" validation failed: wrong type: expected string, got number',
    );
    expect(storedValueError(kindOf('upstreams'), { id: '1' })).toMatch(/^value should match only one schema/);
    expect(
      storedValueError(kindOf('routes'), { id: '1', uri: '/', plugins: {}, filter_func: 'function(vars) return true end' }),
    ).toBe('filter_func (Lua) is not supported by Portico');
  });

  it('calls only JSON objects storable', () => {
    for (const v of [[], [1], null, 'x', 1, true]) expect(isStoredObject(v)).toBe(false);
    expect(isStoredObject({})).toBe(true);
  });
});
