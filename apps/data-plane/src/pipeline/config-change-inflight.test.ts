import type { PluginModule } from '@portico/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDataPlane } from '../testing.case.js';

interface Pool {
  conf: string;
  closed: boolean;
}

let release: (() => void) | undefined;
let entered: (() => void) | undefined;
const destroyed: string[] = [];

/** A plugin holding a "pool" per conf, like ai-proxy's undici Agent, that fails once destroyed. */
const pooled: PluginModule<{ tag: string }, Pool> = {
  name: 'pooled',
  priority: 1000,
  schema: { type: 'object', properties: { tag: { type: 'string' } } },
  prepare: (conf) => ({ conf: conf.tag, closed: false }),
  destroy: (pool) => {
    pool.closed = true;
    destroyed.push(pool.conf);
  },
  async beforeProxy(_ctx, pool) {
    if (pool.conf === 'slow') {
      entered?.();
      await new Promise<void>((r) => (release = r));
    }
    return { status: pool.closed ? 502 : 200, body: `${pool.conf}:${pool.closed ? 'destroyed' : 'alive'}` };
  },
};

describe('a config change while a request is in flight', () => {
  let t: Awaited<ReturnType<typeof startTestDataPlane>>;
  beforeAll(async () => {
    t = await startTestDataPlane({ plugins: [pooled] });
  });
  afterAll(() => t.close());

  it('keeps the replaced plugin state alive until that request finished, then destroys it', async () => {
    await t.put('routes/1', { uri: '/p', plugins: { pooled: { tag: 'slow' } } });
    const inside = new Promise<void>((r) => (entered = r));
    const pending = fetch(`${t.url}/p`).then(async (r) => ({ status: r.status, body: await r.text() }));
    await inside;
    await t.put('routes/1', { uri: '/p', plugins: { pooled: { tag: 'fast' } } });
    expect(destroyed).toEqual([]);
    release!();
    expect(await pending).toEqual({ status: 200, body: 'slow:alive' });
    const next = await fetch(`${t.url}/p`);
    expect(await next.text()).toBe('fast:alive');
    expect(destroyed).toEqual(['slow']);
  });
});
