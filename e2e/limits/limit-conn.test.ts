// limit-conn through the built data plane, a pod of 2 workers (counts held by the primary):
// an SSE stream held open keeps its slot for its whole life, the slot is freed when the stream
// ends or the client goes away, and burst connections wait default_conn_delay.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startMockLlm, startPortico, type EtcdProcess, type MockLlm, type PorticoApps } from '@portico/testkit';
import { MATH_MESSAGES, postJson, streamSse } from '../ai/support.js';
import { dumpLogsOnFailure, eventually, startUpstream, type Upstream } from '../helpers.js';
import { get, putRoute, sleep } from './support.js';

let etcd: EtcdProcess;
let apps: PorticoApps;
let sse: Upstream;
let url: string;
let openai: MockLlm;
const KEY = 'sk-e2e-limit-conn';

/** `/stream?ms=N`: SSE events every 250 ms for N ms, then the end; `/fast`: a plain answer. */
function sseHandler(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
  const u = new URL(req.url ?? '/', 'http://x');
  if (!u.pathname.endsWith('/stream')) {
    res.end('ok\n');
    return;
  }
  const total = Number(u.searchParams.get('ms') ?? '1000');
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let sent = 0;
  const timer = setInterval(() => {
    sent += 250;
    if (sent >= total) {
      clearInterval(timer);
      res.end('data: [DONE]\n\n');
    } else res.write(`data: {"t":${sent}}\n\n`);
  }, 250);
  res.on('close', () => clearInterval(timer));
}

beforeAll(async () => {
  [etcd, sse, openai] = await Promise.all([startEtcd(), startUpstream(sseHandler), startMockLlm({ apiKey: KEY })]);
  apps = await startPortico({ etcdEndpoint: etcd.endpoint, workers: 2 });
  url = apps.dataPlanes[0]!.url;
});
afterAll(async () => {
  await apps?.stop();
  await sse?.close();
  await openai?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

/** Open a streamed GET; resolves once the head arrived, with a promise of the end and an abort. */
function openStream(path: string): Promise<{ status: number; done: Promise<string>; abort: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      const done = new Promise<string>((r) => {
        res.on('data', (c: string) => (text += c));
        res.on('end', () => r(text));
        res.on('close', () => r(text));
      });
      resolve({ status: res.statusCode ?? 0, done, abort: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('limit-conn policy local on a 2-worker pod', () => {
  it('a held SSE stream keeps its slot on both workers until it ends; then the slot is free again', async () => {
    await putRoute(apps, 'conn-sse', {
      uri: '/conn/*',
      plugins: {
        'limit-conn': {
          conn: 1,
          burst: 0,
          default_conn_delay: 0.1,
          key_type: 'var',
          key: 'remote_addr',
          rejected_code: 429,
          rejected_msg: 'too many connections',
        },
      },
      upstream: { type: 'roundrobin', nodes: { [sse.node]: 1 } },
    });
    const s = await openStream('/conn/stream?ms=8000');
    expect(s.status).toBe(200);
    // Fresh connections alternate between the pod's workers: both see the held slot.
    for (let i = 0; i < 4; i++) {
      const r = await get(url + '/conn/fast');
      expect([r.status, r.text]).toEqual([429, '{"error_msg":"too many connections"}\n']);
      await sleep(600);
    }
    const body = await s.done;
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    await eventually(async () => expect((await get(url + '/conn/fast')).status).toBe(200), 10_000, 50);
    // The previous request's slot is released in its log phase, through the primary (IPC): give
    // that release a moment before the next request asks for the one slot again.
    await sleep(300);
    expect((await get(url + '/conn/fast')).status).toBe(200);
  });

  it('a client that disconnects mid-stream frees its slot', async () => {
    // The previous test's last request releases its slot in its log phase, through the primary
    // (IPC): retry opening the stream until that release has landed.
    const s = await eventually(
      async () => {
        const o = await openStream('/conn/stream?ms=60000');
        if (o.status !== 200) o.abort();
        expect(o.status).toBe(200);
        return o;
      },
      5_000,
      100,
    );
    expect((await get(url + '/conn/fast')).status).toBe(429);
    s.abort();
    await eventually(async () => expect((await get(url + '/conn/fast')).status).toBe(200), 10_000, 50);
  });

  it('connections within the burst wait default_conn_delay; beyond it they are rejected', async () => {
    await putRoute(apps, 'conn-burst', {
      uri: '/burst/*',
      plugins: { 'limit-conn': { conn: 1, burst: 1, default_conn_delay: 0.5, key: 'remote_addr' } },
      upstream: { type: 'roundrobin', nodes: { [sse.node]: 1 } },
    });
    const held = await openStream('/burst/stream?ms=3000');
    const [delayed, third] = await Promise.all([
      get(url + '/burst/fast'),
      (async () => (await sleep(150), get(url + '/burst/fast')))(),
    ]);
    expect(delayed.status).toBe(200);
    expect(delayed.ms).toBeGreaterThanOrEqual(450);
    expect(third.status).toBe(503);
    held.abort();
  });

  it('an ai-proxy chat stream holds its slot until the last event, then frees it', async () => {
    await putRoute(apps, 'conn-ai', {
      uri: '/conn-ai',
      methods: ['POST'],
      plugins: {
        'ai-proxy': {
          provider: 'openai',
          auth: { header: { Authorization: `Bearer ${KEY}` } },
          options: { model: 'gpt-4' },
          override: { endpoint: openai.url },
        },
        'limit-conn': {
          conn: 1,
          burst: 0,
          default_conn_delay: 0.1,
          key_type: 'var_combination',
          key: '$remote_addr',
          rejected_code: 429,
        },
      },
      upstream: { type: 'roundrobin', nodes: { [sse.node]: 1 } },
    });
    // ~6 s of stream: 15 chunks, 400 ms apart (room for slow machines).
    const stream = streamSse(
      url + '/conn-ai',
      { messages: MATH_MESSAGES, stream: true },
      { 'x-mock-chunks': '15', 'x-mock-interval-ms': '400' },
    );
    await sleep(800);
    for (let i = 0; i < 3; i++) {
      expect((await postJson(url + '/conn-ai', { messages: MATH_MESSAGES })).status).toBe(429);
      await sleep(500);
    }
    const done = await stream;
    expect([done.status, done.ending, done.events.at(-1)?.data]).toEqual([200, 'end', '[DONE]']);
    await eventually(
      async () => expect((await postJson(url + '/conn-ai', { messages: MATH_MESSAGES })).status).toBe(200),
      10_000,
      50,
    );
  });

  it('limit-count policy local counts once per pod across its workers', async () => {
    await putRoute(apps, 'count-workers', {
      uri: '/count-workers',
      plugins: { 'limit-count': { count: 3, time_window: 60, key_type: 'constant', key: 'pod' } },
      upstream: { type: 'roundrobin', nodes: { [sse.node]: 1 } },
    });
    const seen = [];
    for (let i = 0; i < 6; i++) seen.push(await get(url + '/count-workers'));
    expect(seen.map((a) => [a.status, a.headers['x-ratelimit-remaining']])).toEqual([
      [200, '2'],
      [200, '1'],
      [200, '0'],
      [503, '0'],
      [503, '0'],
      [503, '0'],
    ]);
  });
});
