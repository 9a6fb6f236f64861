import type { PluginDefinition } from '@portico/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { allDefinitions, getDefinition } from './definitions.js';
import { allPlugins, getPlugin } from './index.js';

const DEFINITION_FIELDS: readonly (keyof PluginDefinition)[] = [
  'name',
  'priority',
  'version',
  'type',
  'schema',
  'consumerSchema',
  'metadataSchema',
  'encryptFields',
  'check',
  'schemaError',
];

describe('plugin registries', () => {
  it('list the same plugins as runtime modules and as schema-only definitions', () => {
    expect(allPlugins.map((p) => p.name).sort()).toEqual(allDefinitions.map((d) => d.name).sort());
  });

  it('give each runtime module exactly its definition (same objects, nothing restated)', () => {
    for (const p of allPlugins) {
      const d = getDefinition(p.name)!;
      for (const f of DEFINITION_FIELDS) expect(p[f], `${p.name}.${f}`).toBe(d[f]);
      expect(getPlugin(p.name)).toBe(p);
    }
  });
});
