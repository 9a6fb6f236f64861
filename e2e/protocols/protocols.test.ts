// The APISIX 3.18 AI protocol layer through the built data plane, with the official SDKs:
// Anthropic Messages clients served by an OpenAI provider (converted both ways, JSON and
// SSE) and natively by the anthropic provider, the OpenAI Responses API, chat, embeddings,
// passthrough (method, URI, query), protocol errors, override.llm_options /
// override.request_body, max_req_body_size, and the logged usage/request/response fields.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startMockLlm, startPortico, type EtcdProcess, type MockLlm, type PorticoApps } from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, eventually } from '../helpers.js';
import { postJson, putAndWait, startCollector, streamSse, type Collector } from '../ai/support.js';

const PROVIDER_KEY = 'sk-protocols-provider-7e21';

let etcd: EtcdProcess;
let apps: PorticoApps;
let mock: MockLlm;
let collector: Collector;
let dpUrl: string;

const bearer = { header: { Authorization: `Bearer ${PROVIDER_KEY}` } };
const logging = { summaries: true, payloads: true };

async function route(id: string, uri: string, plugins: Record<string, unknown>): Promise<void> {
  const probe = uri.replace('*', 'probe');
  await putAndWait(apps, `/apisix/admin/routes/${id}`, { uri, plugins }, { uri: probe });
}

beforeAll(async () => {
  etcd = await startEtcd();
  mock = await startMockLlm({ apiKey: PROVIDER_KEY, content: '1 + 1 = 2.', cachedTokens: 3, reasoningTokens: 4 });
  collector = await startCollector();
  apps = await startPortico({ etcdEndpoint: etcd.endpoint });
  dpUrl = apps.dataPlanes[0]!.url;
  const logger = { 'http-logger': { uri: collector.uri, batch_max_size: 1 } };
  // Anthropic clients, OpenAI provider: converted both ways.
  await route('conv', '/conv/*', {
    'ai-proxy': { provider: 'openai', auth: bearer, options: { model: 'gpt-4o' }, override: { endpoint: mock.url }, logging },
    ...logger,
  });
  // Anthropic clients, anthropic provider: native /v1/messages.
  await route('native', '/native/*', {
    'ai-proxy': {
      provider: 'anthropic',
      auth: { header: { 'x-api-key': PROVIDER_KEY } },
      override: { endpoint: mock.url },
      logging,
    },
    ...logger,
  });
  // OpenAI clients (responses, chat, embeddings).
  await route('oai', '/oai/*', {
    'ai-proxy': { provider: 'openai', auth: bearer, override: { endpoint: mock.url }, logging },
    ...logger,
  });
  // An upstream answering Anthropic SSE where the converter expects OpenAI chunks.
  await route('mismatch', '/mismatch/*', {
    'ai-proxy': {
      provider: 'openai-compatible',
      auth: bearer,
      options: { model: 'test-model' },
      override: { endpoint: `${mock.url}/v1/messages` },
    },
  });
  await route('ds', '/ds/*', { 'ai-proxy': { provider: 'deepseek', auth: bearer, override: { endpoint: mock.url } } });
  await route('pass', '/v1/images/*', {
    'ai-proxy': { provider: 'openai', auth: { ...bearer, query: { akey: 'secret' } }, override: { endpoint: mock.url } },
  });
  await route('small', '/small/*', {
    'ai-proxy': { provider: 'openai', auth: bearer, override: { endpoint: mock.url }, max_req_body_size: 64 },
  });
  await route('ovr', '/ovr/*', {
    'ai-proxy': {
      provider: 'openai',
      auth: bearer,
      override: {
        endpoint: mock.url,
        llm_options: { max_tokens: 555 },
        request_body: {
          'openai-chat': { temperature: 0.5, metadata: { team: 'a', tier: 'gold' } },
          'openai-responses': { store: false },
        },
      },
    },
  });
  await route('multi', '/multi/*', {
    'ai-proxy-multi': {
      instances: [
        {
          name: 'only',
          provider: 'openai-compatible',
          weight: 1,
          auth: bearer,
          override: {
            endpoint: mock.url,
            request_body: { 'openai-chat': { temperature: 0.9 } },
            request_body_force_override: true,
            llm_options: { max_tokens: 321 },
          },
        },
      ],
    },
  });
  await eventually(async () => expect(collector.entries.length).toBeGreaterThan(0));
  collector.entries.length = 0;
});
afterAll(async () => {
  await apps?.stop();
  await mock?.close();
  await collector?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

const anthropic = (prefix: string) =>
  new Anthropic({ apiKey: 'sdk-client-key', baseURL: `${dpUrl}/${prefix}`, maxRetries: 0, timeout: 10_000 });
const openai = () => new OpenAI({ apiKey: 'sdk-client-key', baseURL: `${dpUrl}/oai/v1`, maxRetries: 0, timeout: 10_000 });

async function logEntry(uri: string): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const e = collector.entries.find((x) => (x.request as { uri: string }).uri === uri);
    expect(e).toBeDefined();
    return e!;
  });
}

describe('Anthropic Messages clients served by an OpenAI provider (converted)', () => {
  it('messages.create: OpenAI chat upstream, Anthropic message back with usage', async () => {
    const msg = await anthropic('conv').messages.create(
      {
        model: 'claude-sonnet-4-5',
        max_tokens: 256,
        system: 'You are a mathematician',
        metadata: { user_id: 'user-42' },
        stop_sequences: ['END'],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What is 1+1?' }] }],
      },
      { headers: { 'x-log-tag': 'conv-create' } },
    );
    expect(msg.type).toBe('message');
    expect(msg.role).toBe('assistant');
    expect(msg.model).toBe('gpt-4o');
    expect(msg.content).toEqual([{ type: 'text', text: '1 + 1 = 2.' }]);
    expect(msg.stop_reason).toBe('end_turn');
    // 23 prompt tokens of which 3 cached: Anthropic reports them apart.
    expect(msg.usage).toEqual({ input_tokens: 20, output_tokens: 8, cache_read_input_tokens: 3 });
    const seen = mock.requests.at(-1)!;
    expect(seen.path).toBe('/v1/chat/completions');
    expect(seen.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    expect(seen.headers['x-api-key']).toBeUndefined();
    expect(seen.headers['anthropic-version']).toBeUndefined();
    expect(Object.keys(seen.headers).some((h) => h.startsWith('x-stainless-'))).toBe(false);
    expect(seen.json).toEqual({
      model: 'gpt-4o',
      max_completion_tokens: 256,
      stop: ['END'],
      user: 'user-42',
      messages: [
        { role: 'system', content: 'You are a mathematician' },
        { role: 'user', content: [{ type: 'text', text: 'What is 1+1?' }] },
      ],
    });
  });

  it('logs the client messages, the answer text and the usage of a converted call', async () => {
    await postJson(`${dpUrl}/conv/v1/messages?log=conv`, {
      model: 'claude',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const e = await logEntry('/conv/v1/messages?log=conv');
    expect(e.llm_request).toEqual({ messages: [{ role: 'user', content: 'hi' }], stream: false });
    expect(e.llm_response_text).toEqual({ content: '1 + 1 = 2.' });
    expect(e.llm_summary).toMatchObject({ request_model: 'claude', model: 'gpt-4o', prompt_tokens: 20, completion_tokens: 8 });
  });

  it('messages.stream: OpenAI SSE converted into Anthropic events, usage in message_delta', async () => {
    const stream = anthropic('conv').messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'What is 1+1?' }],
    });
    const types: string[] = [];
    let text = '';
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
    }
    const final = await stream.finalMessage();
    expect(text).toBe('1 + 1 = 2.');
    expect(types[0]).toBe('message_start');
    expect(types.at(-2)).toBe('message_delta');
    expect(types.at(-1)).toBe('message_stop');
    expect(types.filter((t) => t === 'message_stop')).toHaveLength(1);
    expect(final.content).toEqual([{ type: 'text', text: '1 + 1 = 2.' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({ input_tokens: 20, output_tokens: 8, cache_read_input_tokens: 3 });
    const seen = mock.requests.at(-1)!.json as Record<string, unknown>;
    expect(seen).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('streams the raw Anthropic SSE framing (event: lines) and logs the streamed text and usage', async () => {
    const r = await streamSse(`${dpUrl}/conv/v1/messages?log=conv-stream`, {
      model: 'claude',
      max_tokens: 10,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('text/event-stream');
    expect(r.raw).toMatch(
      /^event: message_start\ndata: .*\n\nevent: content_block_start\ndata: .*\n\nevent: content_block_delta\ndata: .*"text":"1 \+ ".*event: content_block_stop\ndata: .*\n\nevent: message_delta\ndata: .*\n\nevent: message_stop\ndata: \{"type":"message_stop"\}\n\n$/s,
    );
    const e = await logEntry('/conv/v1/messages?log=conv-stream');
    expect(e.llm_request).toEqual({ messages: [{ role: 'user', content: 'hi' }], stream: true });
    expect(e.llm_response_text).toEqual({ content: '1 + 1 = 2.' });
    // Stream usage is read from the upstream (OpenAI) chunks.
    expect(e.llm_summary).toMatchObject({ prompt_tokens: 23, completion_tokens: 8 });
    expect(typeof (e.llm_summary as { duration: unknown }).duration).toBe('number');
  });

  it('converts tools and tool calls both ways (tool_use stop reason, original input)', async () => {
    const client = anthropic('conv');
    const tools = [
      {
        name: 'get_weather',
        description: 'Weather by city',
        input_schema: { type: 'object' as const, properties: { location: { type: 'string' } } },
      },
    ];
    const msg = await client.messages.create({
      model: 'c',
      max_tokens: 50,
      tools,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content).toEqual([{ type: 'tool_use', id: 'call_mock0001', name: 'get_weather', input: { location: 'Paris' } }]);
    const sent = mock.requests.at(-1)!.json as { tools: unknown };
    expect(sent.tools).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Weather by city', parameters: tools[0]!.input_schema } },
    ]);
    const streamed = await client.messages
      .stream({ model: 'c', max_tokens: 50, tools, messages: [{ role: 'user', content: 'Weather in Paris?' }] })
      .finalMessage();
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.content).toEqual([
      { type: 'tool_use', id: 'call_mock0001', name: 'get_weather', input: { location: 'Paris' } },
    ]);
    // The tool result goes back as an OpenAI tool message.
    const answer = await client.messages.create({
      model: 'c',
      max_tokens: 50,
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: msg.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_mock0001', content: '18C' }] },
      ],
    });
    expect(answer.content).toEqual([{ type: 'text', text: '1 + 1 = 2.' }]);
    expect((mock.requests.at(-1)!.json as { messages: unknown[] }).messages.slice(1)).toEqual([
      {
        role: 'assistant',
        tool_calls: [
          { id: 'call_mock0001', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_mock0001', content: '18C' },
    ]);
  });

  it('rejects requests the converter cannot use with APISIX errors', async () => {
    const r = await postJson(`${dpUrl}/conv/v1/messages`, { model: 'claude', messages: [] });
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error_msg":"missing messages"}\n');
    const bad = await postJson(`${dpUrl}/conv/v1/messages`, { model: 'claude', messages: [{ content: 'x' }] });
    expect(bad.text).toBe('{"error_msg":"invalid message at index 1"}\n');
  });

  it('answers 502 when a converted stream produced no event (upstream spoke another stream format)', async () => {
    const r = await postJson(`${dpUrl}/mismatch/v1/messages`, {
      model: 'test-model',
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(r.status).toBe(502);
    expect(r.text).toBe(
      'streaming response completed without producing any output; the upstream likely returned a different stream format than the converter expects',
    );
  });

  it('converts through ai-proxy-multi too', async () => {
    const msg = await anthropic('multi').messages.create({
      model: 'm',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.content).toEqual([{ type: 'text', text: '1 + 1 = 2.' }]);
    // openai-compatible: llm_options.max_tokens → max_tokens; request_body forced onto the converted body.
    expect(mock.requests.at(-1)!.json).toMatchObject({ max_completion_tokens: 10, max_tokens: 321, temperature: 0.9 });
  });
});

describe('Anthropic Messages natively on the anthropic provider', () => {
  it('messages.create is forwarded unconverted to /v1/messages', async () => {
    const body = { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user' as const, content: 'What is 1+1?' }] };
    const msg = await anthropic('native').messages.create(body);
    expect(msg.id).toMatch(/^msg_mock/);
    expect(msg.model).toBe('claude-sonnet-4-5');
    expect(msg.content).toEqual([{ type: 'text', text: '1 + 1 = 2.' }]);
    expect(msg.usage).toMatchObject({ input_tokens: 23, output_tokens: 8, cache_read_input_tokens: 3 });
    const seen = mock.requests.at(-1)!;
    expect(seen.path).toBe('/v1/messages');
    expect(seen.headers['x-api-key']).toBe(PROVIDER_KEY);
    // The SDK's own anthropic-* headers reach Anthropic untouched.
    expect(seen.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(seen.json).toEqual(body);
  });

  it('forwards the client bytes verbatim when nothing changes', async () => {
    const raw = '{ "model":"claude",\n  "max_tokens": 5, "messages":[{"role":"user","content":"hi"}] }';
    const res = await fetch(`${dpUrl}/native/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw,
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(mock.requests.at(-1)!.body).toBe(raw);
  });

  it('messages.stream passes the Anthropic events through; usage adds message_start and message_delta', async () => {
    const stream = anthropic('native').messages.stream({
      model: 'claude',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: '1 + 1 = 2.' }]);
    expect(final.usage).toMatchObject({ input_tokens: 23, output_tokens: 8 });
    const r = await streamSse(`${dpUrl}/native/v1/messages?log=native-stream`, {
      model: 'claude',
      max_tokens: 10,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(r.raw).toContain('event: ping\n');
    const e = await logEntry('/native/v1/messages?log=native-stream');
    expect(e.llm_summary).toMatchObject({ model: 'claude', prompt_tokens: 23, completion_tokens: 8 });
    expect(e.llm_response_text).toEqual({ content: '1 + 1 = 2.' });
    expect(e.llm_request).toEqual({ messages: [{ role: 'user', content: 'hi' }], stream: true });
  });

  it('logs the end user from metadata.user_id and tool calls from tool_use blocks', async () => {
    await postJson(`${dpUrl}/native/v1/messages?log=native-tools`, {
      model: 'claude',
      max_tokens: 10,
      metadata: { user_id: 'user-7' },
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'Weather?' }],
    });
    const e = await logEntry('/native/v1/messages?log=native-tools');
    expect(e.llm_summary).toMatchObject({ end_user_id: 'user-7', has_tool_calls: 'true', tool_count: 1 });
    await postJson(`${dpUrl}/conv/v1/messages?log=conv-tools`, {
      model: 'claude',
      max_tokens: 10,
      metadata: { user_id: 'user-8' },
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'Weather?' }],
      stream: true,
    });
    const c = await logEntry('/conv/v1/messages?log=conv-tools');
    expect(c.llm_summary).toMatchObject({ end_user_id: 'user-8', has_tool_calls: 'true', tool_count: 1 });
  });

  it('an OpenAI Responses request to anthropic is refused with the supported list', async () => {
    const r = await postJson(`${dpUrl}/native/v1/responses`, { model: 'x', input: 'hi' });
    expect(r.status).toBe(400);
    expect(r.text).toBe(
      'provider anthropic does not support openai-responses protocol (supported: openai-chat, anthropic-messages)',
    );
  });
});

describe('OpenAI clients: Responses API, chat, embeddings', () => {
  it('responses.create: native /v1/responses with input/output/total and reasoning tokens', async () => {
    const r = await openai().responses.create({ model: 'gpt-4o', input: 'What is 1+1?', instructions: 'Be brief' });
    expect(r.object).toBe('response');
    expect(r.output_text).toBe('1 + 1 = 2.');
    expect(r.usage).toMatchObject({
      input_tokens: 23,
      output_tokens: 8,
      total_tokens: 31,
      output_tokens_details: { reasoning_tokens: 4 },
    });
    expect(mock.requests.at(-1)!.path).toBe('/v1/responses');
  });

  it('responses.create streaming: deltas through, response.completed carries usage; logged', async () => {
    const stream = await openai().responses.create({ model: 'gpt-4o', input: 'What is 1+1?', stream: true });
    let text = '';
    let completed: { usage?: unknown } | undefined;
    for await (const ev of stream) {
      if (ev.type === 'response.output_text.delta') text += ev.delta;
      if (ev.type === 'response.completed') completed = ev.response;
    }
    expect(text).toBe('1 + 1 = 2.');
    expect(completed?.usage).toMatchObject({ input_tokens: 23, output_tokens: 8, total_tokens: 31 });
    const r = await streamSse(`${dpUrl}/oai/v1/responses?log=resp-stream`, { model: 'gpt-4o', input: 'hi', stream: true });
    expect(r.status).toBe(200);
    const e = await logEntry('/oai/v1/responses?log=resp-stream');
    expect(e.llm_request).toEqual({ messages: 'hi', stream: true });
    expect(e.llm_response_text).toEqual({ content: '1 + 1 = 2.' });
    expect(e.llm_summary).toMatchObject({ prompt_tokens: 23, completion_tokens: 8 });
    // No stream_options are added to a Responses body.
    expect(mock.requests.at(-1)!.json).toEqual({ model: 'gpt-4o', input: 'hi', stream: true });
  });

  it('chat and embeddings keep their paths', async () => {
    const c = await openai().chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] });
    expect(c.choices[0]!.message.content).toBe('1 + 1 = 2.');
    expect(mock.requests.at(-1)!.path).toBe('/v1/chat/completions');
    const e = await openai().embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    expect(e.data).toHaveLength(1);
    expect(e.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    expect(mock.requests.at(-1)!.path).toBe('/v1/embeddings');
  });

  it('a provider without the protocol answers 400 with the supported list', async () => {
    const resp = await postJson(`${dpUrl}/ds/v1/responses`, { model: 'x', input: 'hi' });
    expect(resp.status).toBe(400);
    expect(resp.text).toBe('provider deepseek does not support openai-responses protocol (supported: openai-chat)');
    const emb = await postJson(`${dpUrl}/ds/embeddings`, { model: 'x', input: 'hi' });
    expect(emb.text).toBe('provider deepseek does not support openai-embeddings protocol (supported: openai-chat)');
  });

  it('an empty JSON object matches no protocol', async () => {
    const r = await postJson(`${dpUrl}/oai/v1/chat/completions`, {});
    expect(r.status).toBe(400);
    expect(r.text).toBe('no matching AI protocol for the request');
  });
});

describe('passthrough', () => {
  it('forwards the client method, URI and query; auth.query keys cannot be overridden', async () => {
    const n = mock.requests.length;
    const r = await postJson(`${dpUrl}/v1/images/generations?akey=attacker&zname=foo`, {
      model: 'dall-e-3',
      prompt: 'a sea otter',
      n: 1,
    });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ data: [{ revised_prompt: 'a sea otter' }] });
    const seen = mock.requests[n]!;
    expect(seen.method).toBe('POST');
    expect(seen.path).toBe('/v1/images/generations');
    expect(seen.query).toEqual({ akey: 'secret', zname: 'foo' });
    expect(seen.body).toBe(JSON.stringify({ model: 'dall-e-3', prompt: 'a sea otter', n: 1 }));
    const put = await fetch(`${dpUrl}/v1/images/edits`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"prompt":"x"}',
    });
    await put.arrayBuffer();
    expect(mock.requests.at(-1)).toMatchObject({ method: 'PUT', path: '/v1/images/edits', query: { akey: 'secret' } });
  });
});

describe('request fields: override.llm_options, override.request_body, max_req_body_size', () => {
  it('maps llm_options.max_tokens to max_completion_tokens for openai and fills request_body gaps', async () => {
    const r = await postJson(`${dpUrl}/ovr/chat`, {
      model: 'gpt-4',
      max_tokens: 5,
      temperature: 0.1,
      metadata: { team: 'b' },
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(r.status).toBe(200);
    expect(mock.requests.at(-1)!.json).toEqual({
      model: 'gpt-4',
      max_completion_tokens: 555,
      temperature: 0.1,
      metadata: { team: 'b', tier: 'gold' },
      messages: [{ role: 'user', content: 'hi' }],
    });
  });

  it('maps llm_options.max_tokens to max_output_tokens for the Responses API', async () => {
    await postJson(`${dpUrl}/ovr/v1/responses`, { model: 'gpt-4o', input: 'hi', max_output_tokens: 7 });
    expect(mock.requests.at(-1)!.json).toEqual({ model: 'gpt-4o', input: 'hi', max_output_tokens: 555, store: false });
  });

  it('answers 413 above max_req_body_size, before reaching the provider', async () => {
    const n = mock.requests.length;
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(100) }] });
    const r = await fetch(`${dpUrl}/small/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(413);
    expect(await r.text()).toBe(
      `{"message":"could not get body: request size ${body.length} is greater than the maximum size 64 allowed"}\n`,
    );
    expect(mock.requests.length).toBe(n);
    const ok = await postJson(`${dpUrl}/small/chat`, { messages: [{ role: 'user', content: 'x' }] });
    expect(ok.status).toBe(200);
  });

  it('the Admin API validates the new fields with APISIX messages', async () => {
    const put = (override: unknown) =>
      adminRequest(apps, 'PUT', '/apisix/admin/routes/bad', {
        uri: '/bad',
        plugins: { 'ai-proxy': { provider: 'openai', auth: bearer, override } },
      });
    const prefix = 'failed to check the configuration of plugin ai-proxy err: ';
    const a = await put({ llm_options: { max_tokens: 1, foo: 1 } });
    expect(a.status).toBe(400);
    expect(JSON.parse(a.text)).toEqual({
      error_msg: `${prefix}property "override" validation failed: property "llm_options" validation failed: additional properties forbidden, found foo`,
    });
    const b = await put({ request_body: { 'openai-chatt': {} } });
    expect(b.status).toBe(400);
    expect(JSON.parse(b.text)).toEqual({
      error_msg: `${prefix}property "override" validation failed: property "request_body" validation failed: additional properties forbidden, found openai-chatt`,
    });
    const c = await adminRequest(apps, 'PUT', '/apisix/admin/routes/bad', {
      uri: '/bad',
      plugins: { 'ai-proxy': { provider: 'openai', auth: bearer, max_req_body_size: 0 } },
    });
    expect(c.status).toBe(400);
    expect(JSON.parse(c.text)).toEqual({
      error_msg: `${prefix}property "max_req_body_size" validation failed: expected 0 to be at least 1`,
    });
  });
});
