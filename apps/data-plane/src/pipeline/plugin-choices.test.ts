/**
 * Data-plane capabilities plugins use to change what later phases and the proxy see:
 * a replaced client address (real-ip) and a chosen upstream (traffic-split).
 */
import type { PluginModule, PreparedUpstream, RequestContext } from '@portico/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startTestDataPlane, startUpstream, type TestDataPlane, type TestUpstream } from '../testing.case.js';

/** rewrite: take the address from X-Test-Real (ip[,port]). */
const setIp: PluginModule = {
  name: 'set-ip',
  priority: 23000,
  schema: { type: 'object' },
  rewrite(ctx) {
    const v = ctx.headers['x-test-real'];
    if (typeof v !== 'string') return undefined;
    const [ip, port] = v.split(',');
    ctx.setRealIp!(ip!, port === undefined ? undefined : Number(port));
    return undefined;
  },
};

/** access: report what a later plugin sees. */
const seeIp: PluginModule = {
  name: 'see-ip',
  priority: 3000,
  schema: { type: 'object' },
  access(ctx: RequestContext) {
    const v = (n: string) => ctx.vars.get(n) ?? '-';
    ctx.respHeaders['x-seen'] =
      `${ctx.remoteAddr}|${v('remote_addr')}|${v('remote_port') === String(ctx.remotePort) ? 'port-ok' : 'port-bad'}|${v('realip_remote_addr')}`;
    ctx.respHeaders['x-seen-port'] = v('remote_port');
    return undefined;
  },
};

interface PickState {
  inline: PreparedUpstream | undefined;
}
const closed: PreparedUpstream[] = [];

/** access: X-Pick `id:<id>` / `inline` / `route` chooses the upstream. */
const pick: PluginModule<{ inline?: Record<string, unknown> }, PickState> = {
  name: 'pick',
  priority: 966,
  schema: { type: 'object', properties: { inline: { type: 'object' } } },
  prepare(conf, env) {
    return { inline: conf.inline === undefined ? undefined : env.services.upstreams!.create(conf.inline) };
  },
  destroy(s) {
    if (s.inline) {
      s.inline.close();
      closed.push(s.inline);
    }
  },
  access(ctx, s) {
    const p = ctx.headers['x-pick'];
    if (typeof p !== 'string') return undefined;
    if (p === 'route') ctx.selectUpstream!({ kind: 'route' });
    else if (p === 'inline') ctx.selectUpstream!({ kind: 'prepared', upstream: s.inline! });
    else if (p.startsWith('id:')) {
      const id = p.slice(3);
      ctx.respHeaders['x-has'] = String(ctx.hasUpstream!(id));
      ctx.selectUpstream!({ kind: 'id', id });
    }
    return undefined;
  },
};

let t: TestDataPlane;
const ups: TestUpstream[] = [];

function named(name: string) {
  return startUpstream((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({ name, xRealIp: req.headers['x-real-ip'], xff: req.headers['x-forwarded-for'], host: req.headers.host }),
    );
  });
}

beforeAll(async () => {
  t = await startTestDataPlane({ plugins: [setIp, seeIp, pick] });
  for (const n of ['route', 'by-id', 'inline']) ups.push(await named(n));
});
afterAll(async () => {
  await t?.close();
  for (const u of ups) await u.close();
});

describe('a replaced client address (RequestContext.setRealIp)', () => {
  beforeAll(async () => {
    await t.put('routes/ip', {
      uri: '/ip',
      // Matched with the connection's address: still matched once the address is replaced.
      remote_addrs: ['127.0.0.0/8'],
      plugins: { 'set-ip': {}, 'see-ip': {} },
      upstream: { type: 'roundrobin', nodes: { [ups[0]!.addr]: 1 } },
    });
  });

  it('is what later plugins, $remote_addr and the upstream headers see; $realip_remote_addr keeps the peer', async () => {
    const r = await rawRequest(`${t.url}/ip`, { headers: { 'x-test-real': '1.1.1.1,7090', 'x-forwarded-for': '9.9.9.9' } });
    expect(r.status).toBe(200);
    expect(r.headers['x-seen']).toBe('1.1.1.1|1.1.1.1|port-ok|127.0.0.1');
    expect(r.headers['x-seen-port']).toBe('7090');
    const body = JSON.parse(r.body) as { xRealIp: string; xff: string };
    expect(body.xRealIp).toBe('1.1.1.1');
    expect(body.xff).toBe('9.9.9.9, 1.1.1.1');
  });

  it('keeps the connection port when none is given and prints IPv6 canonically', async () => {
    const r = await rawRequest(`${t.url}/ip`, { headers: { 'x-test-real': '2001:DB8:0:0::0002' } });
    expect(r.headers['x-seen']).toBe('2001:db8::2|2001:db8::2|port-ok|127.0.0.1');
    expect(Number(r.headers['x-seen-port'])).toBeGreaterThan(0);
  });
});

describe('the request header lines as sent (RequestContext.headerLines)', () => {
  it('lists repeated lines Node folds into one value or drops', async () => {
    const lines: PluginModule = {
      name: 'lines',
      priority: 1,
      schema: { type: 'object' },
      access(ctx) {
        ctx.respHeaders['x-ua-lines'] = JSON.stringify(ctx.headerLines!('user-agent'));
        ctx.respHeaders['x-xff-lines'] = JSON.stringify(ctx.headerLines!('x-forwarded-for'));
        return undefined;
      },
    };
    const t2 = await startTestDataPlane({ plugins: [lines] });
    try {
      await t2.put('routes/l', {
        uri: '/l',
        plugins: { lines: {} },
        upstream: { type: 'roundrobin', nodes: { [ups[0]!.addr]: 1 } },
      });
      const r = await rawRequest(`${t2.url}/l`, {
        headers: { 'User-Agent': ['a', 'b'], 'X-Forwarded-For': ['1.1.1.1', '2.2.2.2'] },
      });
      expect(r.headers['x-ua-lines']).toBe('["a","b"]');
      expect(r.headers['x-xff-lines']).toBe('["1.1.1.1","2.2.2.2"]');
    } finally {
      await t2.close();
    }
  });
});

describe('a plugin-chosen upstream (RequestContext.selectUpstream)', () => {
  beforeAll(async () => {
    await t.put('upstreams/u1', { type: 'roundrobin', nodes: { [ups[1]!.addr]: 1 } });
    await t.put('routes/pick', {
      uri: '/pick',
      plugins: { pick: { inline: { type: 'roundrobin', nodes: { [ups[2]!.addr]: 1 }, pass_host: 'node' } } },
      upstream: { type: 'roundrobin', nodes: { [ups[0]!.addr]: 1 } },
    });
  });

  const nameOf = async (pickHeader?: string) => {
    const r = await rawRequest(`${t.url}/pick`, { headers: pickHeader === undefined ? {} : { 'x-pick': pickHeader } });
    return {
      status: r.status,
      name: r.status === 200 ? (JSON.parse(r.body) as { name: string; host: string }).name : undefined,
      r,
    };
  };

  it('proxies to the route upstream, an upstream object by id, or an upstream the plugin prepared', async () => {
    expect((await nameOf()).name).toBe('route');
    expect((await nameOf('route')).name).toBe('route');
    const byId = await nameOf('id:u1');
    expect(byId.name).toBe('by-id');
    expect(byId.r.headers['x-has']).toBe('true');
    const inline = await nameOf('inline');
    expect(inline.name).toBe('inline');
    // The prepared upstream's own pass_host applies.
    expect((JSON.parse(inline.r.body) as { host: string }).host).toBe(ups[2]!.addr);
  });

  it('follows an update of the upstream object without a route change', async () => {
    await t.put('upstreams/u1', { type: 'roundrobin', nodes: { [ups[2]!.addr]: 1 } });
    expect((await nameOf('id:u1')).name).toBe('inline');
    await t.put('upstreams/u1', { type: 'roundrobin', nodes: { [ups[1]!.addr]: 1 } });
    expect((await nameOf('id:u1')).name).toBe('by-id');
  });

  it('answers 502 for an upstream id the configuration lacks', async () => {
    const r = await nameOf('id:nope');
    expect(r.status).toBe(502);
    expect(r.r.headers['x-has']).toBe('false');
  });

  it('closes the prepared upstream when the route changes', async () => {
    const before = closed.length;
    await t.put('routes/pick', {
      uri: '/pick',
      plugins: { pick: {} },
      upstream: { type: 'roundrobin', nodes: { [ups[0]!.addr]: 1 } },
    });
    // Dropped plugin state is destroyed once no request uses it.
    for (let i = 0; i < 100 && closed.length === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(closed.length).toBe(before + 1);
  });
});
