import type { Logger, PluginModule } from '@portico/plugin-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { startTestDataPlane, type TestDataPlane } from '../testing.case.js';

/** Replies with what ctx.pluginMetadata returns for itself, and whether it is frozen. */
const metaEcho: PluginModule = {
  name: 'meta-echo',
  priority: 1,
  schema: { type: 'object' },
  metadataSchema: {
    type: 'object',
    properties: { greeting: { type: 'string' }, n: { type: 'integer', default: 7 } },
    required: ['greeting'],
  },
  access(ctx) {
    const meta = ctx.pluginMetadata?.('meta-echo');
    return {
      status: 200,
      body: { meta: meta ?? null, frozen: meta ? Object.isFrozen(meta) : null, other: ctx.pluginMetadata?.('nope') ?? null },
    };
  },
};

let tdp: TestDataPlane | undefined;
afterEach(async () => {
  await tdp?.close();
  tdp = undefined;
});

async function get(url: string): Promise<unknown> {
  const res = await fetch(`${url}/m`);
  expect(res.status).toBe(200);
  return res.json();
}

describe('plugin_metadata in the data plane', () => {
  it('serves validated metadata (defaults applied, frozen) to ctx.pluginMetadata and follows new revisions', async () => {
    const errors: string[] = [];
    const logger: Logger = { ...silentLogger, error: (o, m) => void errors.push(`${m}: ${(o as { err?: string }).err}`) };
    tdp = await startTestDataPlane({ plugins: [metaEcho], logger });
    await tdp.put('routes/1', { uri: '/m', plugins: { 'meta-echo': {} }, upstream: { nodes: { '127.0.0.1:1': 1 } } });
    expect(await get(tdp.url)).toEqual({ meta: null, frozen: null, other: null });

    await tdp.put('plugin_metadata/meta-echo', { greeting: 'hi' });
    expect(await get(tdp.url)).toEqual({ meta: { greeting: 'hi', n: 7, id: 'meta-echo' }, frozen: true, other: null });

    await tdp.put('plugin_metadata/meta-echo', { greeting: 'hello', n: 2 });
    expect(await get(tdp.url)).toEqual({ meta: { greeting: 'hello', n: 2, id: 'meta-echo' }, frozen: true, other: null });

    // Invalid metadata is logged and skipped; the previous value stays (config_etcd.lua).
    await tdp.put('plugin_metadata/meta-echo', { n: 3 });
    expect(await get(tdp.url)).toEqual({ meta: { greeting: 'hello', n: 2, id: 'meta-echo' }, frozen: true, other: null });
    expect(errors).toEqual([
      'invalid config item skipped: failed to check item data of [/apisix/plugin_metadata/meta-echo] err:failed to check the metadata of plugin meta-echo err: property "greeting" is required',
    ]);

    await tdp.del('plugin_metadata/meta-echo');
    expect(await get(tdp.url)).toEqual({ meta: null, frozen: null, other: null });
  });

  it('keeps metadata of plugins this node does not know, unchecked', async () => {
    tdp = await startTestDataPlane({ plugins: [metaEcho] });
    await tdp.put('plugin_metadata/nope', { anything: [1] });
    await tdp.put('routes/1', { uri: '/m', plugins: { 'meta-echo': {} }, upstream: { nodes: { '127.0.0.1:1': 1 } } });
    expect(await get(tdp.url)).toEqual({ meta: null, frozen: null, other: { anything: [1], id: 'nope' } });
  });
});
