import type { PluginDefinition } from '@portico/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { definePlugin } from './define-plugin.js';
import { DuplicatePluginError, indexPlugins } from './plugin-index.js';

const def = (name: string, priority = 1): PluginDefinition => ({ name, priority, schema: { type: 'object' } });

describe('indexPlugins', () => {
  it('maps every plugin by name', () => {
    const a = def('a');
    const b = def('b');
    const byName = indexPlugins([a, b]);
    expect([...byName.keys()]).toEqual(['a', 'b']);
    expect(byName.get('b')).toBe(b);
  });

  it('refuses two plugins with one name, naming it', () => {
    expect(() => indexPlugins([def('key-auth', 2500), def('ai-proxy'), def('key-auth', 1)])).toThrow(DuplicatePluginError);
    expect(() => indexPlugins([def('key-auth'), def('key-auth')])).toThrow(
      'plugin "key-auth" is loaded twice: every plugin name must be unique',
    );
  });
});

describe('definePlugin', () => {
  it('is the definition plus the runtime hooks, definition fields untouched', () => {
    const d: PluginDefinition<{ n: number }> = { name: 'p', priority: 7, schema: { type: 'object' }, encryptFields: ['x'] };
    const rewrite = (): undefined => undefined;
    const m = definePlugin(d, { prepare: (c) => c.n, rewrite });
    expect(m).toEqual({ ...d, prepare: m.prepare, rewrite });
    expect(m.schema).toBe(d.schema);
  });
});
