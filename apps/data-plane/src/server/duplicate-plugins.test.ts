import { DuplicatePluginError } from '@portico/plugin-helpers';
import { getPlugin } from '@portico/plugins';
import { describe, expect, it } from 'vitest';
import { startTestDataPlane } from '../testing.case.js';

describe('data plane start', () => {
  it('fails when two plugins carry one name, before listening', async () => {
    const keyAuth = getPlugin('key-auth')!;
    const impostor = { ...keyAuth, priority: 1 };
    await expect(startTestDataPlane({ plugins: [keyAuth, getPlugin('ai-proxy')!, impostor] })).rejects.toThrow(
      new DuplicatePluginError('key-auth'),
    );
  });
});
