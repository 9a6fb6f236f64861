import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { chatCompletion, chatStreamEvents, embeddingsList, errorBody, vertexPredict } from './payloads.js';
import type { MockBehavior, MockLlm, MockLlmOptions, RecordedRequest } from './types.js';

const DEFAULT_MODELS: Record<string, string> = {
  'gpt-4': 'gpt-4-0613',
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-3.5-turbo': 'gpt-3.5-turbo-0125',
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Per-request overrides through headers, so e2e tests can steer the mock through a gateway. */
function headerBehavior(h: http.IncomingHttpHeaders): MockBehavior {
  const n = (name: string) => {
    const v = h[name];
    return typeof v === 'string' && v !== '' ? Number(v) : undefined;
  };
  const b: MockBehavior = {};
  const set = <K extends keyof MockBehavior>(k: K, v: MockBehavior[K] | undefined) => {
    if (v !== undefined) b[k] = v;
  };
  set('status', n('x-mock-status'));
  set('delayHeadersMs', n('x-mock-delay-headers-ms'));
  set('chunks', n('x-mock-chunks'));
  set('intervalMs', n('x-mock-interval-ms'));
  set('dropAfterEvents', n('x-mock-drop-after'));
  if (h['x-mock-omit-usage'] === 'true') b.omitUsage = true;
  return b;
}

function splitPieces(text: string, n: number): string[] {
  const words = text.split(/(?<= )/);
  const count = Math.max(1, Math.min(n, words.length));
  const per = Math.ceil(words.length / count);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += per) out.push(words.slice(i, i + per).join(''));
  while (out.length < n) out.push('');
  return out;
}

/**
 * Start a mock LLM provider speaking OpenAI's chat (JSON and SSE), embeddings and Vertex
 * `predict` formats on 127.0.0.1. The body decides the operation (`messages` → chat,
 * `input` → embeddings, `instances` → predict), so any path works, as with a real
 * `override.endpoint`.
 */
export async function startMockLlm(opts: MockLlmOptions = {}): Promise<MockLlm> {
  const requests: RecordedRequest[] = [];
  let behavior = opts.behavior;
  const models = { ...DEFAULT_MODELS, ...opts.models };
  const content = opts.content ?? '1+1 equals 2.';
  const promptTokens = opts.promptTokens ?? 23;
  const completionTokens = opts.completionTokens ?? 8;
  const dims = opts.embeddingDims ?? 8;
  const embTokens = opts.embeddingTokens ?? 2;
  const healthPath = opts.healthPath ?? '/health';

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://mock');
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { ...req.headers },
        body,
        json,
        receivedAt: Date.now(),
        aborted: false,
      };
      if (!(req.method === 'GET' && url.pathname === healthPath)) requests.push(rec);
      res.on('close', () => {
        if (!res.writableFinished) rec.aborted = true;
      });
      void respond(rec, res).catch(() => res.destroy());
    });
  };

  async function respond(rec: RecordedRequest, res: http.ServerResponse): Promise<void> {
    const send = (status: number, payload: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      rec.finishedAt = Date.now();
    };
    if (rec.method === 'GET' && rec.path === healthPath) return send(200, { status: 'ok' });
    const chosen = typeof behavior === 'function' ? behavior(rec) : behavior;
    const b: MockBehavior = { ...chosen, ...headerBehavior(rec.headers) };
    if (b.delayHeadersMs) await sleep(b.delayHeadersMs);
    if (res.destroyed) return;
    if (b.status !== undefined && b.status !== 200) return send(b.status, b.errorBody ?? errorBody(b.status));
    if (opts.apiKey !== undefined && !authorised(rec, opts.apiKey)) return send(401, errorBody(401));
    const j = (rec.json ?? {}) as Record<string, unknown>;
    if (typeof j !== 'object' || j === null)
      return send(400, { error: { message: 'invalid JSON body', type: 'invalid_request_error' } });
    const requested = typeof j.model === 'string' ? j.model : 'gpt-4o-mini';
    const model = models[requested] ?? requested;
    if (Array.isArray(j.instances)) {
      const contents = j.instances.map((i: { content?: unknown }) => String(i?.content ?? ''));
      return send(200, vertexPredict(contents, dims, embTokens));
    }
    if (j.input !== undefined && j.messages === undefined) {
      const inputs = Array.isArray(j.input) ? j.input.map(String) : [String(j.input)];
      return send(200, embeddingsList(inputs, model, dims, embTokens, opts.embedder));
    }
    if (!Array.isArray(j.messages)) {
      return send(400, {
        error: {
          message: "Missing required parameter: 'messages'.",
          type: 'invalid_request_error',
          param: 'messages',
          code: 'missing_required_parameter',
        },
      });
    }
    const maxTokens =
      typeof j.max_tokens === 'number'
        ? j.max_tokens
        : typeof j.max_completion_tokens === 'number'
          ? j.max_completion_tokens
          : undefined;
    const truncated = maxTokens !== undefined && maxTokens < completionTokens;
    const params = {
      model,
      content: truncated ? content.split(' ').slice(0, maxTokens).join(' ') : content,
      promptTokens,
      completionTokens: truncated ? maxTokens : completionTokens,
      finishReason: truncated ? ('length' as const) : ('stop' as const),
    };
    if (j.stream !== true) return send(200, chatCompletion(params));

    const so = j.stream_options as { include_usage?: unknown } | undefined;
    const includeUsage = so?.include_usage === true && !b.omitUsage;
    const events = chatStreamEvents(params, splitPieces(params.content, b.chunks ?? 3), includeUsage);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    const interval = b.intervalMs ?? 10;
    let sent = 0;
    for (const ev of events) {
      if (res.destroyed) return;
      if (b.dropAfterEvents !== undefined && sent >= b.dropAfterEvents) {
        res.socket?.destroy();
        return;
      }
      res.write(`data: ${JSON.stringify(ev)}\n\n`);
      sent++;
      if (interval > 0) await sleep(interval);
    }
    if (res.destroyed) return;
    res.end('data: [DONE]\n\n');
    rec.finishedAt = Date.now();
  }

  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : http.createServer(handler);
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    requests,
    setBehavior(b) {
      behavior = b;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function authorised(rec: RecordedRequest, key: string): boolean {
  return (
    rec.headers.authorization === `Bearer ${key}` ||
    rec.headers['api-key'] === key ||
    rec.query.api_key === key ||
    rec.query.key === key
  );
}
