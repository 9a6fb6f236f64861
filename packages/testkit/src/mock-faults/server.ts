import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Fault, FaultKind, FaultRecord, MockFaults, MockFaultsOptions } from './types.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** mulberry32: a small seeded PRNG, so a probability table gives the same faults every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A per-request fault picked from the script, the seeded table, or the fallback. */
export class FaultPlan {
  private script: Fault[];
  private table: { fault: Fault; p: number }[];
  private rand: () => number;
  private fallback: Fault;

  constructor(opts: Pick<MockFaultsOptions, 'script' | 'random' | 'fallback' | 'seed'>) {
    this.script = [...(opts.script ?? [])];
    this.table = opts.random ?? [];
    this.rand = seededRandom(opts.seed ?? 1);
    this.fallback = opts.fallback ?? { kind: 'ok' };
  }

  next(): Fault {
    const s = this.script.shift();
    if (s) return s;
    if (this.table.length > 0) {
      let x = this.rand();
      for (const { fault, p } of this.table) {
        if (x < p) return fault;
        x -= p;
      }
    }
    return this.fallback;
  }
}

const ID = 'chatcmpl-faults';

function chunkEvent(model: string, delta: Record<string, unknown>, finish: string | null = null): string {
  const c = {
    id: ID,
    object: 'chat.completion.chunk',
    created: 1700000000,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
  return `data: ${JSON.stringify(c)}\n\n`;
}

function pieces(text: string, n: number): string[] {
  const words = text.split(/(?<= )/);
  const per = Math.ceil(words.length / Math.max(1, Math.min(n, words.length)));
  const out: string[] = [];
  for (let i = 0; i < words.length; i += per) out.push(words.slice(i, i + per).join(''));
  return out;
}

/**
 * Start a fault-injecting OpenAI-compatible chat provider on 127.0.0.1: healthy answers (JSON
 * or SSE by the request's `stream`), error statuses with Retry-After / x-ratelimit-reset-*,
 * connection resets, truncated and error-bearing streams, slow first tokens. Each request's
 * fault comes from a script, a seeded probability table or the fallback, or from the
 * `x-mock-fault` request header (a JSON Fault) when present.
 */
export async function startMockFaults(opts: MockFaultsOptions = {}): Promise<MockFaults> {
  let plan = new FaultPlan(opts);
  const requests: FaultRecord[] = [];
  const content = opts.content ?? 'The answer is 2.';
  const chunks = opts.chunks ?? 4;
  const intervalMs = opts.intervalMs ?? 0;
  const sockets = new Set<Socket>();

  const serve = async (req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> => {
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(body) as Record<string, unknown>;
    } catch {
      // not JSON: answered like any chat request
    }
    const headerFault = req.headers['x-mock-fault'];
    const fault: Fault = typeof headerFault === 'string' ? (JSON.parse(headerFault) as Fault) : plan.next();
    requests.push({ path: req.url ?? '/', headers: { ...req.headers }, body, fault: fault.kind, receivedAt: Date.now() });
    const model = opts.model ?? (typeof json.model === 'string' ? json.model : 'mock-model');
    const stream = json.stream === true;

    if ((fault.kind === 'status' || fault.kind === 'reset') && fault.delayMs) await sleep(fault.delayMs);
    if (fault.kind === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault.kind === 'status') {
      const h: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.retryAfter !== undefined) h['retry-after'] = fault.retryAfter;
      if (fault.resetRequests !== undefined) {
        h['x-ratelimit-reset-requests'] = fault.resetRequests;
        h['x-ratelimit-remaining-requests'] = '0';
      }
      if (fault.resetTokens !== undefined) {
        h['x-ratelimit-reset-tokens'] = fault.resetTokens;
        h['x-ratelimit-remaining-tokens'] = '0';
      }
      res.writeHead(fault.status, h);
      res.end(
        JSON.stringify({ error: { message: `mock fault: status ${fault.status}`, type: 'mock_error', code: fault.status } }),
      );
      return;
    }
    const firstDelay = fault.kind === 'ok' || fault.kind === 'slow_first_token' ? (fault.delayMs ?? 0) : 0;
    if (!stream) {
      if (fault.kind === 'truncate' || fault.kind === 'error_event') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":"chatcmpl-faults","choices":[');
        req.socket.destroy();
        return;
      }
      if (firstDelay > 0) await sleep(firstDelay);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: ID,
          object: 'chat.completion',
          created: 1700000000,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    if (firstDelay > 0) await sleep(firstDelay);
    if (fault.kind === 'error_event' && !fault.afterEvents) {
      res.end(
        `data: ${JSON.stringify({ error: { message: 'mock fault: overloaded', type: 'server_error', code: 'overloaded' } })}\n\n`,
      );
      return;
    }
    const parts = pieces(content, chunks);
    const events = [
      chunkEvent(model, { role: 'assistant', content: '' }),
      ...parts.map((p) => chunkEvent(model, { content: p })),
    ];
    for (const [i, ev] of events.entries()) {
      if (fault.kind === 'truncate' && i >= fault.afterEvents) {
        // Cut mid-event: half an event, then the connection goes (after the bytes left).
        res.write(ev.slice(0, Math.floor(ev.length / 2)));
        await sleep(20);
        if (fault.graceful) res.end();
        else req.socket.destroy();
        return;
      }
      if (fault.kind === 'error_event' && fault.afterEvents !== undefined && i >= fault.afterEvents) {
        res.end(`data: ${JSON.stringify({ error: { message: 'mock fault: overloaded', type: 'server_error' } })}\n\n`);
        return;
      }
      if (res.destroyed) return;
      res.write(ev);
      if (intervalMs > 0) await sleep(intervalMs);
    }
    res.write(chunkEvent(model, {}, 'stop'));
    if ((json.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
      res.write(
        `data: ${JSON.stringify({ id: ID, object: 'chat.completion.chunk', created: 1700000000, model, choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } })}\n\n`,
      );
    }
    res.end('data: [DONE]\n\n');
  };

  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      serve(req, res, Buffer.concat(parts).toString('utf8')).catch(() => req.socket.destroy());
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    counts() {
      const c: Record<FaultKind, number> = { ok: 0, status: 0, reset: 0, truncate: 0, error_event: 0, slow_first_token: 0 };
      for (const r of requests) c[r.fault]++;
      return c;
    },
    configure(o) {
      plan = new FaultPlan(o);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
