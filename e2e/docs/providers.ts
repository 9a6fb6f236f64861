import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apisixDocAnswer } from './doc-answers.js';
import { COMPREHEND_HOST, LAKERA_HOST, startGuardServices, type GuardServices } from './guard-services.js';
import { startHttpbin, type Httpbin } from './httpbin.js';
import { answerFor, DOC_EMBEDDING, type Family } from './provider-script.js';

/** Test API keys the runner exports in place of the docs' `<your-api-key>`. */
export const TEST_KEYS = {
  OPENAI_API_KEY: 'sk-docs-e2e-openai',
  DEEPSEEK_API_KEY: 'sk-docs-e2e-deepseek',
  AZ_OPENAI_API_KEY: 'az-docs-e2e-key',
  YOUR_LLM_API_KEY: 'sk-docs-e2e-your-llm',
  YOUR_LLM_MODEL: 'your-llm-model',
  // APISIX 3.18 AI-plugin docs: AWS Comprehend credentials, the Lakera Guard key, DashScope's key.
  AWS_ACCESS_KEY: 'AKIADOCSE2E000000001',
  AWS_SECRET_ACCESS_KEY: 'docs-e2e-aws-secret-access-key-0000000001',
  LAKERA_API_KEY: 'docs-e2e-lakera-key',
  DASHSCOPE_API_KEY: 'sk-docs-e2e-dashscope',
} as const;

/** One request as an impersonated provider saw it. */
export interface ProviderRequest {
  host: string;
  family: Family;
  method: string;
  /** Path and query. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown> | undefined;
  /** Status the mock answered. */
  status: number;
}

/** The HTTPS server impersonating every provider host on one port. */
export interface Providers {
  port: number;
  requests: ProviderRequest[];
  /** AWS Comprehend and Lakera Guard, reached as comprehend.us-east-1.amazonaws.com / api.lakera.ai. */
  guards: GuardServices;
  /** httpbin.org on :80 (plain HTTP). */
  httpbin: Httpbin;
  /** Requests recorded since `mark` (an index from `requests.length`). */
  since(mark: number): ProviderRequest[];
  close(): Promise<void>;
}

function familyOf(host: string): Family {
  if (host === 'api.openai.com') return 'openai';
  if (host === 'api.deepseek.com') return 'deepseek';
  if (host.endsWith('.openai.azure.com')) return 'azure';
  if (host === COMPREHEND_HOST) return 'comprehend';
  if (host === LAKERA_HOST) return 'lakera';
  return 'other';
}

// Chat/embeddings paths each real service serves (APISIX 3.16 ai-drivers targets, plus Azure's deployment paths).
function routeOf(family: Family, path: string): 'chat' | 'embeddings' | undefined {
  if (family === 'openai') return path === '/v1/chat/completions' ? 'chat' : path === '/v1/embeddings' ? 'embeddings' : undefined;
  if (family === 'deepseek') return path === '/chat/completions' || path === '/v1/chat/completions' ? 'chat' : undefined;
  if (family === 'azure') {
    if (/^\/openai\/deployments\/[^/]+\/chat\/completions$/.test(path)) return 'chat';
    if (/^\/openai\/deployments\/[^/]+\/embeddings$/.test(path)) return 'embeddings';
    return undefined;
  }
  if (/\/chat\/completions$/.test(path)) return 'chat';
  return /\/embeddings$/.test(path) ? 'embeddings' : undefined;
}

function keyAccepted(family: Family, headers: IncomingMessage['headers']): boolean {
  const bearer = (headers.authorization ?? '').replace(/^Bearer /, '');
  const apiKey = typeof headers['api-key'] === 'string' ? headers['api-key'] : '';
  if (family === 'openai') return bearer === TEST_KEYS.OPENAI_API_KEY;
  if (family === 'deepseek') return bearer === TEST_KEYS.DEEPSEEK_API_KEY;
  if (family === 'azure') return apiKey === TEST_KEYS.AZ_OPENAI_API_KEY || bearer === TEST_KEYS.AZ_OPENAI_API_KEY;
  return Object.values(TEST_KEYS).includes(bearer as never);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function openaiError(message: string, type: string, code: string | null): unknown {
  return { error: { message, type, param: null, code } };
}

function servedModel(family: Family, requested: string): string {
  if (family === 'deepseek') return requested;
  return requested === 'gpt-4' ? 'gpt-4-0613' : requested;
}

function allTexts(body: Record<string, unknown>): string[] {
  const msgs = Array.isArray(body.messages) ? (body.messages as Array<{ content?: unknown }>) : [];
  return msgs.map((m) => (typeof m.content === 'string' ? m.content : ''));
}

function lastUserText(body: Record<string, unknown>): string {
  const msgs = Array.isArray(body.messages) ? (body.messages as Array<{ role?: string; content?: unknown }>) : [];
  const user = [...msgs].reverse().find((m) => m.role === 'user');
  return typeof user?.content === 'string' ? user.content : '';
}

function usageOf(family: Family, prompt: number, completion: number): Record<string, unknown> {
  const base = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (family === 'deepseek') {
    return { ...base, prompt_tokens_details: { cached_tokens: 0 }, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: prompt };
  }
  return {
    ...base,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

let seq = 0;

function chat(family: Family, body: Record<string, unknown>, res: ServerResponse): number {
  if (typeof body.model !== 'string' || body.model === '') {
    send(res, 400, openaiError('you must provide a model parameter', 'invalid_request_error', null));
    return 400;
  }
  const a = apisixDocAnswer(allTexts(body)) ?? answerFor(family, lastUserText(body));
  let { content, promptTokens, completionTokens } = a;
  let finish = 'stop';
  const max = typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
  if (max !== undefined && max < completionTokens) {
    finish = 'length';
    completionTokens = max;
    if (a.truncated && a.truncated.maxTokens === max) ({ content, promptTokens } = a.truncated);
    else content = content.split(' ').slice(0, max).join(' ');
  }
  const id = `chatcmpl-docs${++seq}`;
  const model = servedModel(family, body.model);
  const created = Math.floor(Date.now() / 1000);
  const usage = usageOf(family, promptTokens, completionTokens);
  const fingerprint = family === 'deepseek' ? 'fp_3a5770e1b4_prod0225' : null;
  if (body.stream === true) {
    const withUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: fingerprint, choices, ...(withUsage ? { usage: null } : {}), ...extra })}\n\n`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]));
    const words = content.split(/(?<= )/);
    const step = Math.max(1, Math.ceil(words.length / 4));
    for (let i = 0; i < words.length; i += step) {
      res.write(
        chunk([{ index: 0, delta: { content: words.slice(i, i + step).join('') }, logprobs: null, finish_reason: null }]),
      );
    }
    res.write(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finish }]));
    if (withUsage) res.write(chunk([], { usage }));
    res.end('data: [DONE]\n\n');
    return 200;
  }
  const message: Record<string, unknown> = { role: 'assistant', content };
  if (family !== 'deepseek') Object.assign(message, { refusal: null, annotations: [] });
  send(res, 200, {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
    usage,
    ...(family === 'deepseek' ? {} : { service_tier: 'default' }),
    system_fingerprint: fingerprint,
  });
  return 200;
}

function embeddings(body: Record<string, unknown>, res: ServerResponse): number {
  const inputs = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) ? body.input : undefined;
  if (!inputs) {
    send(res, 400, openaiError("'input' is a required property", 'invalid_request_error', null));
    return 400;
  }
  const vector = [...DOC_EMBEDDING, ...Array.from({ length: 10 }, (_, i) => Number(((i + 1) / 100).toFixed(8)))];
  const b64 = body.encoding_format === 'base64';
  const encode = (v: number[]): number[] | string => (b64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v);
  const tokens = inputs.reduce<number>((n, s) => n + String(s).split(/\s+/).filter(Boolean).length, 0);
  send(res, 200, {
    object: 'list',
    data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: encode(vector) })),
    model: typeof body.model === 'string' ? body.model : 'text-embedding-ada-002',
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
  return 200;
}

function handle(req: IncomingMessage, res: ServerResponse, rawBuf: Buffer, log: ProviderRequest[], guards: GuardServices): void {
  const raw = rawBuf.toString('utf8');
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  const family = familyOf(host);
  const url = req.url ?? '/';
  const path = url.split('?')[0] ?? '/';
  let json: Record<string, unknown> | undefined;
  try {
    json = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  const rec: ProviderRequest = { host, family, method: req.method ?? '', url, headers: req.headers, json, status: 0 };
  log.push(rec);
  if (family === 'comprehend' || family === 'lakera') {
    res.once('finish', () => {
      rec.status = res.statusCode;
    });
    guards.forward(host, req, rawBuf, res);
    return;
  }
  if (req.method === 'GET') {
    // Health probes (the docs' `/your/probe/path`) and anything else read-only: healthy.
    send(res, 200, { status: 'ok' });
    rec.status = 200;
    return;
  }
  const kind = routeOf(family, path);
  if (!kind) {
    send(res, 404, openaiError(`Invalid URL (${req.method} ${path})`, 'invalid_request_error', null));
    rec.status = 404;
    return;
  }
  if (family === 'azure' && !/[?&]api-version=/.test(url)) {
    send(res, 404, { error: { code: '404', message: 'Resource not found' } });
    rec.status = 404;
    return;
  }
  if (!keyAccepted(family, req.headers)) {
    send(res, 401, openaiError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
    rec.status = 401;
    return;
  }
  if (!json) {
    send(res, 400, openaiError('We could not parse the JSON body of your request.', 'invalid_request_error', null));
    rec.status = 400;
    return;
  }
  rec.status = kind === 'chat' ? chat(family, json, res) : embeddings(json, res);
}

/** Start the HTTPS impersonator on 127.0.0.1:`port` (443 inside the docs namespace). */
export async function startProviders(tls: { cert: string; key: string }, port = 443): Promise<Providers> {
  const requests: ProviderRequest[] = [];
  const guards = await startGuardServices({
    awsAccessKey: TEST_KEYS.AWS_ACCESS_KEY,
    awsSecret: TEST_KEYS.AWS_SECRET_ACCESS_KEY,
    lakeraKey: TEST_KEYS.LAKERA_API_KEY,
  });
  const httpbin = await startHttpbin(port === 443 ? 80 : 0);
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(parts), requests, guards));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    requests,
    guards,
    httpbin,
    since: (mark) => requests.slice(mark),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await guards.close();
      await httpbin.close();
    },
  };
}
