/**
 * traffic-split through the built admin and data plane with real etcd and three local
 * upstream servers (APISIX's t/plugin/traffic-split*.t behaviours): weighted round robin over
 * inline upstreams, upstream objects and the route's own upstream; rules matched by header
 * and argument; upstream_id resolution. One data-plane worker, so the round-robin sequence
 * is the one APISIX's single worker walks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startPortico, type EtcdProcess, type PorticoApps } from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, startUpstream, type Upstream } from '../helpers.js';
import { pluginError, put, refusal, send, until } from './support.js';

let etcd: EtcdProcess;
let apps: PorticoApps;
let url: string;
const servers: Record<'a' | 'b' | 'c', Upstream> = {} as never;

/** An upstream answering `<name> <host header>`. */
function named(name: string): Promise<Upstream> {
  return startUpstream((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`${name} ${req.headers.host ?? ''}`);
  });
}

beforeAll(async () => {
  etcd = await startEtcd();
  apps = await startPortico({ etcdEndpoint: etcd.endpoint });
  url = apps.dataPlanes[0]!.url;
  for (const n of ['a', 'b', 'c'] as const) servers[n] = await named(n);
});
afterAll(async () => {
  await apps?.stop();
  for (const s of Object.values(servers)) await s?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

const nodes = (s: Upstream) => ({ [s.node]: 1 });
const routeUpstream = () => ({ type: 'roundrobin', nodes: nodes(servers.a) });

/** Which server answered each of `n` requests. */
async function sequence(path: string, n: number, headers: Record<string, string> = {}): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await send(`${url}${path}`, headers);
    expect(r.status, r.body).toBe(200);
    out.push(r.body.split(' ')[0]!);
  }
  return out;
}

function counts(seq: readonly string[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const s of seq) c[s] = (c[s] ?? 0) + 1;
  return c;
}

describe('traffic-split', () => {
  beforeAll(async () => {
    await put(apps, 'upstreams/ts-b', { type: 'roundrobin', nodes: nodes(servers.b) });
  });

  it('the Admin API refuses an invalid vars expression with APISIX message', async () => {
    const plugins = {
      'traffic-split': { rules: [{ match: [{ vars: [['arg_name', 123, 'jack']] }], weighted_upstreams: [{ weight: 1 }] }] },
    };
    expect(await refusal(apps, plugins)).toEqual({
      status: 400,
      text: pluginError('traffic-split', "failed to validate the 'vars' expression: invalid operator '123'"),
    });
  });

  it('splits 2:2:1 across an inline upstream, an upstream_id and the route upstream, in a fixed sequence', async () => {
    await put(apps, 'routes/ts', {
      uri: '/ts',
      plugins: {
        'traffic-split': {
          rules: [
            {
              weighted_upstreams: [
                { upstream: { type: 'roundrobin', nodes: nodes(servers.c) }, weight: 2 },
                { upstream_id: 'ts-b', weight: 2 },
                { weight: 1 },
              ],
            },
          ],
        },
      },
      upstream: routeUpstream(),
    });
    await until(`${url}/ts`, 200);
    const seq = await sequence('/ts', 20);
    expect(counts(seq)).toEqual({ a: 4, b: 8, c: 8 });
    // resty.roundrobin: every window of one period (5 picks) holds each share exactly.
    for (let i = 0; i + 5 <= seq.length; i++) expect(counts(seq.slice(i, i + 5)), seq.join(',')).toEqual({ a: 1, b: 2, c: 2 });
  });

  it('follows a change of the referenced upstream object without touching the route', async () => {
    await put(apps, 'upstreams/ts-b', { type: 'roundrobin', nodes: nodes(servers.c) });
    const seq = await (async () => {
      for (let tries = 0; ; tries++) {
        const s = await sequence('/ts', 5);
        if (!s.includes('b') || tries > 50) return s;
      }
    })();
    expect(counts(seq)).toEqual({ a: 1, c: 4 });
    await put(apps, 'upstreams/ts-b', { type: 'roundrobin', nodes: nodes(servers.b) });
  });

  it('weight 0 never receives traffic while another entry has weight', async () => {
    await put(apps, 'routes/ts-zero', {
      uri: '/ts-zero',
      plugins: { 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: 'ts-b', weight: 0 }, { weight: 1 }] }] } },
      upstream: routeUpstream(),
    });
    await until(`${url}/ts-zero`, 200);
    expect(counts(await sequence('/ts-zero', 6))).toEqual({ a: 6 });
  });

  it('sends matching requests (by header or argument) to the rule upstreams, the rest to the route', async () => {
    await put(apps, 'routes/ts-match', {
      uri: '/ts-match',
      plugins: {
        'traffic-split': {
          rules: [
            {
              match: [
                { vars: [['http_release', '==', 'new']] },
                {
                  vars: [
                    ['arg_name', '==', 'jack'],
                    ['arg_age', '>', 18],
                  ],
                },
              ],
              weighted_upstreams: [{ upstream_id: 'ts-b', weight: 1 }],
            },
            {
              match: [{ vars: [['arg_name', '==', 'rose']] }],
              weighted_upstreams: [{ upstream: { type: 'roundrobin', nodes: nodes(servers.c), pass_host: 'node' }, weight: 1 }],
            },
          ],
        },
      },
      upstream: routeUpstream(),
    });
    await until(`${url}/ts-match`, 200);
    expect(await sequence('/ts-match', 2, { release: 'new' })).toEqual(['b', 'b']);
    expect(await sequence('/ts-match?name=jack&age=20', 2)).toEqual(['b', 'b']);
    expect(await sequence('/ts-match?name=jack&age=16', 2)).toEqual(['a', 'a']);
    const rose = await send(`${url}/ts-match?name=rose`);
    // The inline upstream's pass_host: node sends the node address as Host.
    expect(rose.body).toBe(`c ${servers.c.node}`);
    expect(await sequence('/ts-match?name=tom', 2)).toEqual(['a', 'a']);
  });

  it('answers 500 naming an upstream_id that does not exist', async () => {
    await put(apps, 'routes/ts-missing', {
      uri: '/ts-missing',
      plugins: { 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: 'invalid-id', weight: 1 }] }] } },
      upstream: routeUpstream(),
    });
    const r = await until(`${url}/ts-missing`, 500);
    expect(r.body).toBe('failed to fetch upstream info by upstream id: invalid-id');
  });

  it('an upstream still named by traffic-split cannot be deleted', async () => {
    const r = await adminRequest(apps, 'DELETE', '/apisix/admin/upstreams/ts-b');
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error_msg":"can not delete this upstream, plugin in route [ts] is still using it now"}\n');
  });

  it('a route with only traffic-split and no upstream proxies matched requests, 503 otherwise', async () => {
    await put(apps, 'routes/ts-only', {
      uri: '/ts-only',
      plugins: {
        'traffic-split': {
          rules: [{ match: [{ vars: [['arg_go', '==', '1']] }], weighted_upstreams: [{ upstream_id: 'ts-b', weight: 1 }] }],
        },
      },
    });
    await until(`${url}/ts-only?go=1`, 200);
    expect((await send(`${url}/ts-only`)).status).toBe(503);
  });
});
