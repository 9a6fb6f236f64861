import type { PluginModule } from '@portico/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  echoHandler,
  rawRequest,
  startTestDataPlane,
  startUpstream,
  type TestDataPlane,
  type TestUpstream,
} from '../testing.case.js';

/** Upper-cases every chunk and appends "|end" at eof; drops content-length in its header filter. */
const upper: PluginModule = {
  name: 'upper',
  priority: 500,
  schema: { type: 'object' },
  headerFilter(_ctx, _s, head) {
    delete head.headers['content-length'];
  },
  bodyFilter(_ctx, _s, chunk, eof) {
    const text = Buffer.from(chunk).toString().toUpperCase();
    return Buffer.from(eof ? text + '|end' : text);
  },
};

/** Holds every chunk back and answers the byte count at eof. */
const counter: PluginModule = {
  name: 'counter',
  priority: 400,
  schema: { type: 'object' },
  headerFilter(_ctx, _s, head) {
    delete head.headers['content-length'];
  },
  bodyFilter(ctx, _s, chunk, eof) {
    const n = ((ctx.shared.get('n') as number | undefined) ?? 0) + chunk.byteLength;
    ctx.shared.set('n', n);
    return eof ? Buffer.from(`bytes=${n}`) : new Uint8Array(0);
  },
};

/** Rewrites the upstream method and Host the way proxy-rewrite does. */
const retarget: PluginModule = {
  name: 'retarget',
  priority: 1008,
  schema: { type: 'object' },
  rewrite(ctx) {
    ctx.upstreamMethod = 'PUT';
    ctx.vars.set('upstream_host', 'rewritten.example');
    return undefined;
  },
};

/** Ends every request in its rewrite phase. */
const stopper: PluginModule = {
  name: 'stopper',
  priority: 3000,
  schema: { type: 'object' },
  rewrite: () => ({ status: 200, body: 'stopped' }),
};

/** Marks the response with the scope it was configured in. */
const marker: PluginModule = {
  name: 'marker',
  priority: 10,
  schema: { type: 'object', properties: { tag: { type: 'string' } } },
  headerFilter(_ctx, s: { tag: string }, head) {
    const cur = head.headers['x-marks'];
    head.headers['x-marks'] = cur === undefined ? s.tag : `${String(cur)},${s.tag}`;
  },
};

let t: TestDataPlane;
let up: TestUpstream;
let chunked: TestUpstream;

beforeAll(async () => {
  t = await startTestDataPlane({ plugins: [upper, counter, retarget, stopper, marker] });
  up = await startUpstream(echoHandler);
  chunked = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('one,');
    setTimeout(() => res.end('two'), 20);
  });
});
afterAll(async () => {
  await t?.close();
  await up?.close();
  await chunked?.close();
});

describe('body filters', () => {
  it('see every chunk of an upstream response, then eof', async () => {
    await t.put('routes/bf1', {
      uri: '/bf1',
      plugins: { upper: {} },
      upstream: { type: 'roundrobin', nodes: { [chunked.addr]: 1 } },
    });
    const r = await rawRequest(`${t.url}/bf1`);
    expect(r.status).toBe(200);
    expect(r.body).toBe('ONE,TWO|end');
    expect(r.headers['content-length']).toBeUndefined();
  });

  it('chain in priority order and may hold chunks back until eof', async () => {
    await t.put('routes/bf2', {
      uri: '/bf2',
      plugins: { upper: {}, counter: {} },
      upstream: { type: 'roundrobin', nodes: { [chunked.addr]: 1 } },
    });
    const r = await rawRequest(`${t.url}/bf2`);
    // upper (500) runs first: "ONE," + "TWO" + "|end" = 11 bytes reach counter (400).
    expect(r.body).toBe('bytes=11');
  });

  it('apply to plugin replies and gateway error pages too, with a corrected content-length', async () => {
    await t.put('routes/bf3', { uri: '/bf3', plugins: { stopper: {}, upper: {} } });
    const r = await rawRequest(`${t.url}/bf3`);
    expect(r.body).toBe('STOPPED|end');
    await t.put('routes/bf4', {
      uri: '/bf4',
      plugins: { upper: {} },
      upstream: { type: 'roundrobin', nodes: { '127.0.0.1:1': 1 } },
    });
    const e = await rawRequest(`${t.url}/bf4`);
    expect(e.status).toBe(502);
    expect(e.body).toContain('<CENTER><H1>502 BAD GATEWAY</H1></CENTER>');
    expect(e.body.endsWith('|end')).toBe(true);
  });

  it('are not called for HEAD requests', async () => {
    await t.put('routes/bf5', {
      uri: '/bf5',
      plugins: { counter: {} },
      upstream: { type: 'roundrobin', nodes: { [up.addr]: 1 } },
    });
    const r = await rawRequest(`${t.url}/bf5`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
  });
});

describe('upstream overrides', () => {
  it('send the plugin-set method and $upstream_host (pass_host: pass)', async () => {
    await t.put('routes/ov1', {
      uri: '/ov1',
      plugins: { retarget: {} },
      upstream: { type: 'roundrobin', nodes: { [up.addr]: 1 } },
    });
    const r = await rawRequest(`${t.url}/ov1`);
    const seen = JSON.parse(r.body) as { method: string; headers: Record<string, string> };
    expect(seen.method).toBe('PUT');
    expect(seen.headers.host).toBe('rewritten.example');
  });

  it('leave pass_host node in charge of the Host, as APISIX does', async () => {
    await t.put('routes/ov2', {
      uri: '/ov2',
      plugins: { retarget: {} },
      upstream: { type: 'roundrobin', pass_host: 'node', nodes: { [up.addr]: 1 } },
    });
    const seen = JSON.parse((await rawRequest(`${t.url}/ov2`)).body) as { headers: Record<string, string> };
    expect(seen.headers.host).toBe(up.addr);
  });
});

describe('a reply from a global rule', () => {
  it('passes through the global rules header filters only (route plugins are not attached yet)', async () => {
    await t.put('routes/gr', {
      uri: '/gr',
      plugins: { marker: { tag: 'route' } },
      upstream: { type: 'roundrobin', nodes: { [up.addr]: 1 } },
    });
    await t.put('global_rules/g1', { id: 'g1', plugins: { marker: { tag: 'global' } } });
    const both = await rawRequest(`${t.url}/gr`);
    expect(both.headers['x-marks']).toBe('global,route');
    await t.put('global_rules/g1', { id: 'g1', plugins: { marker: { tag: 'global' }, stopper: {} } });
    const stopped = await rawRequest(`${t.url}/gr`);
    expect(stopped.body).toBe('stopped');
    expect(stopped.headers['x-marks']).toBe('global');
    await t.del('global_rules/g1');
  });
});
