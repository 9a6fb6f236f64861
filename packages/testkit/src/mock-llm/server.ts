import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { chatCompletion, chatStreamEvents, embeddingsList, errorBody, vertexPredict } from './payloads.js';
import { anthropicError, anthropicMessage, anthropicStreamEvents } from './payloads-anthropic.js';
import { responsesResponse, responsesStreamEvents } from './payloads-responses.js';
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

/** The first declared tool's name: Anthropic `tools[].name` or OpenAI `tools[].function.name`. */
function firstToolName(tools: unknown): string | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const t = tools[0] as { name?: unknown; function?: { name?: unknown } } | null;
  const name = t?.name ?? t?.function?.name;
  return typeof name === 'string' ? name : undefined;
}

/** Does the conversation end with a tool result (then the mock answers with text)? */
function endsWithToolResult(messages: unknown[]): boolean {
  const last = messages.at(-1) as { role?: unknown; content?: unknown } | undefined;
  if (last?.role === 'tool') return true;
  return Array.isArray(last?.content) && last.content.some((b) => (b as { type?: unknown } | null)?.type === 'tool_result');
}

/** Arguments the mock's tool calls carry. */
const TOOL_INPUT = { location: 'Paris' };

/**
 * Start a mock LLM provider on 127.0.0.1. Paths ending in `/v1/messages` speak Anthropic
 * Messages and `/v1/responses` the OpenAI Responses API (JSON and SSE each), paths containing
 * `/images/generations` answer an images body (passthrough tests). Elsewhere the body decides
 * (`messages` → OpenAI chat JSON/SSE, `input` → embeddings, `instances` → Vertex predict), so
 * any path works, as with a real `override.endpoint`. A request declaring tools gets a tool
 * call back (unless it ends with a tool result).
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
    const cachedTokens = opts.cachedTokens ?? 0;
    const interval = b.intervalMs ?? 10;
    if (rec.path.endsWith('/v1/messages')) return anthropic(rec, res, j, b, model, interval);
    if (rec.path.endsWith('/v1/responses')) return responses(res, j, b, model, interval);
    if (rec.path.includes('/images/generations')) {
      return send(200, {
        created: Math.floor(Date.now() / 1000),
        data: [{ url: 'https://mock.invalid/img.png', revised_prompt: j.prompt ?? '' }],
      });
    }
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
    const tool = endsWithToolResult(j.messages) ? undefined : firstToolName(j.tools);
    const params = {
      model,
      content: truncated ? content.split(' ').slice(0, maxTokens).join(' ') : content,
      promptTokens,
      completionTokens: truncated ? maxTokens : completionTokens,
      finishReason: tool ? ('tool_calls' as const) : truncated ? ('length' as const) : ('stop' as const),
      cachedTokens,
      ...(tool ? { toolCall: { name: tool, arguments: JSON.stringify(TOOL_INPUT) } } : {}),
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

  /** Write named SSE events (`event:` + `data:`), honouring interval and drop behaviour. */
  async function writeNamedEvents(
    rec: RecordedRequest | undefined,
    res: http.ServerResponse,
    events: [string, object][],
    b: MockBehavior,
    interval: number,
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    let sent = 0;
    for (const [type, data] of events) {
      if (res.destroyed) return;
      if (b.dropAfterEvents !== undefined && sent >= b.dropAfterEvents) {
        res.socket?.destroy();
        return;
      }
      res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
      sent++;
      if (interval > 0) await sleep(interval);
    }
    if (res.destroyed) return;
    res.end();
    if (rec) rec.finishedAt = Date.now();
  }

  /** Anthropic Messages API (`/v1/messages`). */
  async function anthropic(
    rec: RecordedRequest,
    res: http.ServerResponse,
    j: Record<string, unknown>,
    b: MockBehavior,
    model: string,
    interval: number,
  ): Promise<void> {
    const json = (status: number, payload: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
      rec.finishedAt = Date.now();
    };
    if (!Array.isArray(j.messages)) return json(400, anthropicError('invalid_request_error', 'messages: Field required'));
    const tool = endsWithToolResult(j.messages) ? undefined : firstToolName(j.tools);
    const maxTokens = typeof j.max_tokens === 'number' ? j.max_tokens : undefined;
    const truncated = maxTokens !== undefined && maxTokens < completionTokens;
    const p = {
      model,
      content: truncated ? content.split(' ').slice(0, maxTokens).join(' ') : content,
      inputTokens: promptTokens,
      outputTokens: truncated ? maxTokens : completionTokens,
      cacheReadTokens: opts.cachedTokens ?? 0,
      stopReason: tool ? ('tool_use' as const) : truncated ? ('max_tokens' as const) : ('end_turn' as const),
      ...(tool ? { toolUse: { name: tool, input: TOOL_INPUT } } : {}),
    };
    if (j.stream !== true) return json(200, anthropicMessage(p));
    return writeNamedEvents(rec, res, anthropicStreamEvents(p, splitPieces(p.content, b.chunks ?? 3)), b, interval);
  }

  /** OpenAI Responses API (`/v1/responses`). */
  async function responses(
    res: http.ServerResponse,
    j: Record<string, unknown>,
    b: MockBehavior,
    model: string,
    interval: number,
  ): Promise<void> {
    const p = {
      model,
      content,
      inputTokens: promptTokens,
      outputTokens: completionTokens,
      reasoningTokens: opts.reasoningTokens ?? 0,
      cachedTokens: opts.cachedTokens ?? 0,
      instructions: typeof j.instructions === 'string' ? j.instructions : null,
    };
    if (j.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(responsesResponse(p)));
      return;
    }
    return writeNamedEvents(undefined, res, responsesStreamEvents(p, splitPieces(content, b.chunks ?? 3)), b, interval);
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
    rec.headers['x-api-key'] === key ||
    rec.query.api_key === key ||
    rec.query.key === key
  );
}
