// The response caps, usage variables and llm_summary of ai-shared, driven through the ai-proxy
// plugin against the runaway mock on loopback (the data plane's PushBody path is covered by
// e2e/ai-limits; here the AsyncIterable path and the ctx effects).
import type { BodySink, PushBody, Reply } from '@portico/plugin-sdk';
import { startRunawayLlm, type RunawayLlm } from '@portico/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aiProxy, type AiProxyConf, type AiProxyState } from '../ai-proxy/index.js';
import { fakeContext, replyBody } from '../testing/fake-context.js';
import { applyLogging } from './logging.js';

let mock: RunawayLlm;
const states: AiProxyState[] = [];

beforeAll(async () => {
  mock = await startRunawayLlm();
});
afterAll(() => mock.close());
afterEach(() => {
  for (const s of states.splice(0)) aiProxy.destroy!(s);
});

function conf(path: string, extra: Partial<AiProxyConf> = {}): AiProxyConf {
  return {
    provider: 'openai',
    auth: { header: { Authorization: 'Bearer k' } },
    override: { endpoint: `${mock.url}${path}` },
    timeout: 30000,
    keepalive: true,
    keepalive_timeout: 60000,
    keepalive_pool: 30,
    ssl_verify: true,
    streaming_flush_interval_ms: 10,
    ...extra,
  };
}

async function run(c: AiProxyConf, body: unknown) {
  const state = aiProxy.prepare!(c, { resourceKey: '/apisix/routes/1', scope: 'route', services: undefined as never });
  states.push(state);
  const ctx = fakeContext({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const early = (await aiProxy.access!(ctx, state)) as Reply | undefined;
  const reply = early ?? ((await aiProxy.beforeProxy!(ctx, state)) as Reply);
  return { ctx, reply };
}

const streamChat = { messages: [{ role: 'user', content: 'hi' }], stream: true };
const chat = { messages: [{ role: 'user', content: 'hi' }] };

describe('stream caps on the AsyncIterable body', () => {
  it('max_response_bytes ends the iteration after the crossing chunk and closes the upstream', async () => {
    const n = mock.requests.length;
    const { ctx, reply } = await run(conf('/runaway?interval=5', { max_response_bytes: 1000 }), streamChat);
    expect(reply.status).toBe(200);
    const body = await replyBody(reply);
    expect(body.length).toBeGreaterThan(1000);
    expect(body.toString()).not.toContain('[DONE]');
    const rec = await mock.closed(n);
    expect(rec.aborted).toBe(true);
    expect(
      ctx.logs.some((l) => l.level === 'warn' && String(l.msg).startsWith('aborting AI stream: max_response_bytes exceeded;')),
    ).toBe(true);
  });

  it('max_stream_duration_ms ends the iteration near the deadline', async () => {
    const t0 = Date.now();
    const { reply } = await run(conf('/runaway?interval=5', { max_stream_duration_ms: 200 }), streamChat);
    const body = await replyBody(reply);
    expect(body.length).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('stream caps on the PushBody', () => {
  it('a stalled stream past max_stream_duration_ms ends at the deadline, not at the timeout', async () => {
    const t0 = Date.now();
    const { reply } = await run(conf('/stall-stream', { max_stream_duration_ms: 200, timeout: 5000 }), streamChat);
    const events: string[] = [];
    let bytes = 0;
    await new Promise<void>((resolve, reject) => {
      const sink: BodySink = {
        write: (c) => {
          bytes += c.byteLength;
          return true;
        },
        onDrain: () => undefined,
        end: () => {
          events.push('end');
          resolve();
        },
        destroy: (e) => reject(e),
      };
      (reply.body as PushBody).pushTo(sink);
    });
    expect(events).toEqual(['end']);
    expect(bytes).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('usage, tool and request variables', () => {
  it('non-stream: sets the 3.18 variables and llm_summary from the OpenAI usage details', async () => {
    const { ctx, reply } = await run(conf('/usage', { logging: { summaries: true } }), {
      ...chat,
      tools: [{}, {}, {}],
      user: 'u-1',
    });
    expect(reply.status).toBe(200);
    expect(
      Object.fromEntries([...ctx.varValues].filter(([k]) => k.startsWith('llm_') && k !== 'llm_time_to_first_token')),
    ).toEqual({
      llm_stream: 'false',
      llm_tool_count: 3,
      llm_end_user_id: 'u-1',
      llm_prompt_tokens: 120,
      llm_completion_tokens: 40,
      llm_total_tokens: 160,
      llm_cache_read_input_tokens: 100,
      llm_cache_creation_input_tokens: 7,
      llm_reasoning_tokens: 32,
      llm_has_tool_calls: 'true',
    });
    applyLogging(ctx, { summaries: true });
    expect(ctx.logFields.llm_summary).toMatchObject({
      total_tokens: 160,
      stream: 'false',
      tool_count: 3,
      has_tool_calls: 'true',
      end_user_id: 'u-1',
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 7,
      reasoning_tokens: 32,
      content_risk_level: '',
    });
  });

  it('a request that never reached the LLM gets the nginx defaults in llm_summary', () => {
    const ctx = fakeContext();
    applyLogging(ctx, { summaries: true });
    expect(ctx.logFields.llm_summary).toEqual({
      request_model: '',
      model: '',
      duration: '0',
      prompt_tokens: '0',
      completion_tokens: '0',
      total_tokens: '0',
      upstream_response_time: '',
      stream: 'false',
      tool_count: '0',
      has_tool_calls: 'false',
      end_user_id: '',
      cache_read_input_tokens: '0',
      cache_creation_input_tokens: '0',
      reasoning_tokens: '0',
      content_risk_level: '',
    });
  });

  it('non-stream over max_response_bytes (chunked) gives the 502 string body and no usage', async () => {
    const { ctx, reply } = await run(conf('/oversized-chunked?parts=5&size=4000', { max_response_bytes: 5000 }), chat);
    expect(reply.status).toBe(502);
    expect((await replyBody(reply)).toString()).toBe('max_response_bytes exceeded');
    expect(ctx.shared.get('ai_token_usage')).toBeUndefined();
  });
});
