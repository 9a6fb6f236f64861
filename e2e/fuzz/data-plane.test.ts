// Issue 18: the BUILT data plane under hostile clients and a hostile LLM upstream. Raw HTTP
// requests (methods, targets, headers, framing, bodies) and random / truncated / oversized SSE
// streams through ai-proxy: no crash, no hang, the client always gets a well-formed reply, and
// a complete SSE stream reaches the client byte for byte. Fixed seed (PORTICO_FUZZ_SEED).
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startEtcd, startPortico, type EtcdProcess, type PorticoApps } from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, eventually, startEchoUpstream, startUpstream, type Upstream } from '../helpers.js';
import { rawRequestArb, sseScriptArb, type SseScript } from './data-plane-arbitraries.js';
import { rawExchange, statusLines } from './raw-http.js';

const SEED = Number(process.env.PORTICO_FUZZ_SEED ?? 18_2026);

let etcd: EtcdProcess;
let apps: PorticoApps;
let echo: Upstream;
let llm: Upstream;
let port: number;
const scripts = new Map<string, SseScript>();

/** The hostile LLM: the user message names the script to play. */
function startHostileLlm(): Promise<Upstream> {
  return startUpstream((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let id: unknown;
      try {
        id = (JSON.parse(Buffer.concat(chunks).toString()) as { messages?: { content?: unknown }[] }).messages?.[0]?.content;
      } catch {
        id = undefined;
      }
      const script = typeof id === 'string' ? scripts.get(id) : undefined;
      if (!script) {
        res.writeHead(418, { 'content-type': 'application/json' }).end('{"error":"no script"}');
        return;
      }
      res.writeHead(script.status, script.contentType ? { 'content-type': script.contentType } : {});
      let i = 0;
      const next = (): void => {
        if (i < script.chunks.length) {
          res.write(script.chunks[i++]);
          setImmediate(next);
        } else if (script.ending === 'end') {
          res.end();
        } else {
          res.socket?.destroy();
        }
      };
      next();
    });
  });
}

async function putRoute(id: string, route: Record<string, unknown>): Promise<void> {
  const r = await adminRequest(apps, 'PUT', `/apisix/admin/routes/${id}`, route);
  expect(r.status, r.text).toBeLessThan(300);
}

beforeAll(async () => {
  etcd = await startEtcd();
  echo = await startEchoUpstream();
  llm = await startHostileLlm();
  apps = await startPortico({ etcdEndpoint: etcd.endpoint });
  port = apps.dataPlanes[0]!.port;
  await putRoute('echo', { uris: ['/echo', '/echo/*'], upstream: { type: 'roundrobin', nodes: { [echo.node]: 1 } } });
  await putRoute('ai', {
    uri: '/ai',
    methods: ['POST'],
    plugins: {
      'ai-proxy': {
        provider: 'openai',
        auth: { header: { Authorization: 'Bearer sk-fuzz' } },
        options: { model: 'gpt-4' },
        override: { endpoint: `http://${llm.node}/v1/chat/completions` },
        timeout: 10_000,
      },
    },
  });
  await eventually(async () => {
    const r = await request(`${apps.dataPlanes[0]!.url}/echo/ready`);
    await r.body.text();
    if (r.statusCode !== 200) throw new Error(`echo route not ready: ${r.statusCode}`);
    const a = await request(`${apps.dataPlanes[0]!.url}/ai`, { method: 'POST', body: '{}' });
    await a.body.text();
    if (a.statusCode === 404) throw new Error('ai route not ready');
  }, 20_000);
});
afterAll(async () => {
  await apps?.stop();
  await echo?.close();
  await llm?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

function healthy(): void {
  expect(apps.dataPlanes[0]!.process.exitInfo(), 'data plane exited').toBeUndefined();
  const log = readFileSync(apps.dataPlanes[0]!.process.logFile, 'utf8');
  expect(log).not.toContain('exited unexpectedly');
  expect(log).not.toMatch(/unhandled|uncaught/i);
}

describe('data plane fuzz (issue 18)', () => {
  it('answers every raw request with a well-formed HTTP response (or closes an unfinished one) and never crashes', async () => {
    console.log(`data plane fuzz seed ${SEED}`);
    const tally: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(rawRequestArb, async (r) => {
        const a = await rawExchange(port, r.bytes, r.wellFramed ? {} : { halfCloseAfterMs: 300 });
        expect(a.closed, `no answer and no close within 10 s: ${r.label}`).toBe(true);
        const lines = statusLines(a.bytes);
        if (a.bytes.length > 0) expect(a.bytes.subarray(0, 9).toString('latin1'), r.label).toMatch(/^HTTP\/1\.[01] $/);
        if (r.wellFramed) {
          expect(
            lines.length,
            `no response (${a.error ?? 'closed'}) to a well-framed request: ${JSON.stringify(r.bytes.toString('latin1').slice(0, 600))}`,
          ).toBeGreaterThan(0);
          expect(lines[0]!.status, `${r.label}: ${a.bytes.toString('latin1').slice(0, 300)}`).not.toBe(500);
        }
        for (const l of lines) tally[l.status] = (tally[l.status] ?? 0) + 1;
      }),
      { seed: SEED, numRuns: 300, endOnFailure: true },
    );
    console.log(`raw request statuses ${JSON.stringify(tally)}`);
    const r = await request(`${apps.dataPlanes[0]!.url}/echo/after`);
    expect(r.statusCode).toBe(200);
    await r.body.text();
    healthy();
  }, 120_000);

  it('relays random, truncated and oversized upstream SSE streams: a complete stream byte for byte, never a hang or crash', async () => {
    let n = 0;
    const tally: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(sseScriptArb, async (script) => {
        const id = `case-${n++}`;
        scripts.set(id, script);
        try {
          const res = await request(`${apps.dataPlanes[0]!.url}/ai`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ messages: [{ role: 'user', content: id }], stream: true }),
            headersTimeout: 15_000,
            bodyTimeout: 15_000,
          });
          tally[res.statusCode] = (tally[res.statusCode] ?? 0) + 1;
          let body: Buffer | undefined;
          let readError: string | undefined;
          try {
            body = Buffer.from(await res.body.arrayBuffer());
          } catch (e) {
            readError = (e as Error).message;
          }
          if (script.ending === 'end') {
            expect(readError, `${script.label}: body read failed`).toBeUndefined();
            if (script.status === 200 && script.contentType?.includes('text/event-stream')) {
              expect(res.statusCode, script.label).toBe(200);
              expect(body!.equals(Buffer.concat(script.chunks)), `${script.label}: relayed bytes differ`).toBe(true);
            }
          }
        } catch (e) {
          // Only an upstream that died mid-response may cost the client its connection.
          expect(script.ending, `${script.label}: ${(e as Error).message}`).toBe('destroy');
        } finally {
          scripts.delete(id);
        }
      }),
      { seed: SEED, numRuns: 80, endOnFailure: true },
    );
    console.log(`ai-proxy SSE statuses ${JSON.stringify(tally)}`);
    healthy();
  }, 120_000);
});
