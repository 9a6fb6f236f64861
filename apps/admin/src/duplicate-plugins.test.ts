import { MemoryConfigStore } from '@portico/config-store';
import { DuplicatePluginError } from '@portico/plugin-helpers';
import { describe, expect, it } from 'vitest';
import { buildAdminApp } from './app.js';
import { makeConf, silentLogger, testPlugins } from './test-harness.case.js';

describe('Admin API start', () => {
  it('fails when two plugin definitions carry one name', () => {
    const twice = [...testPlugins, { ...testPlugins[0]!, priority: 1 }];
    expect(() =>
      buildAdminApp({ store: new MemoryConfigStore(), conf: makeConf(), plugins: twice, logger: silentLogger }),
    ).toThrow(DuplicatePluginError);
  });
});
