import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A misbehaving OpenAI-style upstream for response-limit tests (APISIX t/plugin/
 * ai-proxy-stream-limits.t, ai-proxy-client-disconnect.t). The path picks the behaviour:
 *
 * - `/runaway?interval=10` — SSE chat chunks every `interval` ms, forever, never `[DONE]`.
 * - `/oversized?bytes=100000` — JSON with that Content-Length.
 * - `/oversized-chunked?parts=10&size=10000` — JSON in chunked encoding, no Content-Length.
 * - `/stall-head` — reads the request and never answers.
 * - `/stall-body` — JSON head (Content-Length 1000) and 10 bytes, then nothing.
 * - `/stall-stream` — SSE head and two events, then nothing.
 * - `/burst?events=20&interval=10` — that many SSE events `interval` ms apart, then `[DONE]`.
 * - `/error?status=503&delay=150` — after `delay` ms, that status with an OpenAI error body.
 * - `/usage`, `/usage-stream` — a chat answer (JSON or SSE) with a tool call and usage details
 *   (cached 100, cache creation 7, reasoning 32 tokens).
 *
 * Every request is recorded with the time its connection closed, so tests can bound how long
 * the gateway kept reading after a limit, a timeout or a client abort.
 */
export interface RunawayRequest {
  path: string;
  body: string;
  receivedAt: number;
  /** Events or body parts written so far. */
  written: number;
  /** When the connection to the gateway closed (by either side). */
  closedAt?: number;
  /** True when the gateway closed it before the mock finished. */
  aborted: boolean;
}

export interface RunawayLlm {
  url: string;
  requests: RunawayRequest[];
  /** Wait until `requests[index]` arrived and saw its connection close. */
  closed(index: number, timeoutMs?: number): Promise<RunawayRequest>;
  close(): Promise<void>;
}

/** A TCP server that accepts and never says a word: an `https://` endpoint on it never connects. */
export interface SilentServer {
  port: number;
  close(): Promise<void>;
}

const CHUNK =
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4",' +
  '"choices":[{"index":0,"delta":{"content":"token"},"finish_reason":null}],"usage":null}\n\n';

const USAGE = {
  prompt_tokens: 120,
  completion_tokens: 40,
  total_tokens: 160,
  prompt_tokens_details: { cached_tokens: 100, cache_creation_input_tokens: 7 },
  completion_tokens_details: { reasoning_tokens: 32 },
};

const TOOL_CALL = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };

function usageAnswer(): string {
  return JSON.stringify({
    id: 'chatcmpl-usage',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4-0613',
    choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [TOOL_CALL] }, finish_reason: 'tool_calls' }],
    usage: USAGE,
  });
}

function usageStream(): string[] {
  const base = { id: 'chatcmpl-usage', object: 'chat.completion.chunk', created: 1, model: 'gpt-4-0613' };
  return [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Checking' }, finish_reason: null }], usage: null },
    { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...TOOL_CALL }] }, finish_reason: null }], usage: null },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }], usage: null },
    { ...base, choices: [], usage: USAGE },
  ].map((e) => `data: ${JSON.stringify(e)}\n\n`);
}

const num = (u: URL, name: string, dflt: number): number => {
  const v = Number(u.searchParams.get(name));
  return Number.isFinite(v) && v > 0 ? v : dflt;
};

export async function startRunawayLlm(): Promise<RunawayLlm> {
  const requests: RunawayRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const every = (ms: number, fn: () => boolean): void => {
    const t = setInterval(() => {
      if (!fn()) {
        clearInterval(t);
        timers.delete(t);
      }
    }, ms);
    timers.add(t);
  };

  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://mock');
      const rec: RunawayRequest = {
        path: u.pathname,
        body: Buffer.concat(parts).toString('utf8'),
        receivedAt: Date.now(),
        written: 0,
        aborted: false,
      };
      requests.push(rec);
      res.on('close', () => {
        rec.closedAt = Date.now();
        rec.aborted = !res.writableFinished;
      });
      const live = (): boolean => !res.destroyed && !res.writableEnded;
      const sse = (): void => {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.flushHeaders();
      };
      switch (u.pathname) {
        case '/runaway': {
          sse();
          every(num(u, 'interval', 10), () => {
            if (!live()) return false;
            res.write(CHUNK);
            rec.written++;
            return true;
          });
          return;
        }
        case '/oversized': {
          const n = num(u, 'bytes', 100_000);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(n) });
          res.end('x'.repeat(n));
          return;
        }
        case '/oversized-chunked': {
          res.writeHead(200, { 'content-type': 'application/json' });
          const size = num(u, 'size', 10_000);
          let left = num(u, 'parts', 10);
          every(5, () => {
            if (!live()) return false;
            res.write('x'.repeat(size));
            rec.written++;
            if (--left > 0) return true;
            res.end();
            return false;
          });
          return;
        }
        case '/stall-head':
          return;
        case '/stall-body':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
          res.write('{"id":"x",');
          return;
        case '/stall-stream':
          sse();
          res.write(CHUNK + CHUNK);
          rec.written = 2;
          return;
        case '/burst': {
          sse();
          let left = num(u, 'events', 20);
          let i = 0;
          every(num(u, 'interval', 10), () => {
            if (!live()) return false;
            const ev = { choices: [{ index: 0, delta: { content: `e${i++} ` }, finish_reason: null }], usage: null };
            res.write(`data: ${JSON.stringify(ev)}\n\n`);
            rec.written++;
            if (--left > 0) return true;
            res.end('data: [DONE]\n\n');
            return false;
          });
          return;
        }
        case '/error': {
          const t = setTimeout(
            () => {
              timers.delete(t);
              if (!live()) return;
              res.writeHead(num(u, 'status', 500), { 'content-type': 'application/json' });
              res.end('{"error":{"message":"mock failure","type":"server_error"}}');
            },
            num(u, 'delay', 1),
          );
          timers.add(t);
          return;
        }
        case '/usage':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(usageAnswer());
          return;
        case '/usage-stream':
          sse();
          res.end(usageStream().join('') + 'data: [DONE]\n\n');
          return;
        default:
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('unknown runaway path');
      }
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async closed(index, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const rec = requests[index];
        if (rec?.closedAt !== undefined) return rec;
        if (Date.now() > until) throw new Error(`request #${index} did not arrive and close within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () =>
      new Promise<void>((r) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Start a {@link SilentServer} on 127.0.0.1. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
