// The plugin's access hook after a real ai-proxy access, against the TLS Comprehend mock
// (which recomputes the SigV4 signature of every request).
import { checkPluginConf } from '@portico/schemas';
import type { Reply } from '@portico/plugin-sdk';
import { createTestCa, startMockComprehend, type MockComprehend, type TestCa } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiProxy, type AiProxyConf } from '../ai-proxy/index.js';
import { fakeContext, type FakeContext } from '../testing/fake-context.js';
import { aiAwsContentModeration, type AiAwsContentModerationConf } from './index.js';
import { prepareState, type AwsModerationState } from './index.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
let ca: TestCa;
let mock: MockComprehend;

beforeAll(async () => {
  ca = createTestCa('comprehend unit CA');
  mock = await startMockComprehend({ tls: ca.issue({ cn: 'localhost', dns: ['localhost'] }), credentials: { AKIDUNIT: SECRET } });
});
afterAll(async () => {
  await mock.close();
  ca.cleanup();
});

const proxyConf: AiProxyConf = checked(aiProxy, {
  provider: 'openai',
  auth: { header: { Authorization: 'Bearer llm' } },
  override: { endpoint: 'http://127.0.0.1:9/v1/chat/completions' },
});

function checked<T>(def: Parameters<typeof checkPluginConf>[0], conf: Record<string, unknown>): T {
  const err = checkPluginConf(def, conf, 'route');
  if (err) throw new Error(err);
  return conf as T;
}

function conf(extra: Record<string, unknown> = {}, comprehend: Record<string, unknown> = {}): AiAwsContentModerationConf {
  return checked(aiAwsContentModeration, {
    comprehend: {
      access_key_id: 'AKIDUNIT',
      secret_access_key: SECRET,
      region: 'us-east-1',
      endpoint: mock.url,
      ssl_verify: false,
      ...comprehend,
    },
    ...extra,
  });
}

/** Run ai-proxy's access (validation, instance picked) then the moderation access. */
async function moderate(
  c: AiAwsContentModerationConf,
  body: unknown,
  opts: { withProxy?: boolean; uri?: string } = {},
): Promise<{ reply: Reply | undefined; ctx: FakeContext; state: AwsModerationState }> {
  const ctx = fakeContext({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(opts.uri ? { uri: opts.uri } : {}),
  });
  if (opts.withProxy !== false) {
    const pstate = aiProxy.prepare!(proxyConf, { resourceKey: '/apisix/routes/1', scope: 'route', services: undefined as never });
    expect(await aiProxy.access!(ctx, pstate)).toBeUndefined();
    aiProxy.destroy!(pstate);
  }
  const state = prepareState(c);
  try {
    const reply = (await aiAwsContentModeration.access!(ctx, state)) ?? undefined;
    return { reply, ctx, state };
  } finally {
    await state.client.close();
  }
}

const user = (content: string, extra: Record<string, unknown> = {}) => ({ messages: [{ role: 'user', content }], ...extra });

describe('ai-aws-content-moderation access', () => {
  it('lets a clean request through after one signed DetectToxicContent call', async () => {
    const before = mock.calls.length;
    const { reply, ctx } = await moderate(conf(), user('good_request'));
    expect(reply).toBeUndefined();
    const call = mock.calls[before]!;
    expect(mock.calls.length).toBe(before + 1);
    expect(call.status).toBe(200);
    expect(call.segments).toEqual(['good_request']);
    expect(call.languageCode).toBe('en');
    expect(call.headers['x-amz-target']).toBe('Comprehend_20171127.DetectToxicContent');
    expect(call.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(call.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDUNIT\/\d{8}\/us-east-1\/comprehend\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
    );
    expect(ctx.varValues.get('llm_content_risk_level')).toBe('none');
  });

  it('signs with a session token when comprehend.session_token is set (X-Amz-Security-Token)', async () => {
    const n = mock.calls.length;
    expect((await moderate(conf({}, { session_token: 'temporary-token' }), user('good_request'))).reply).toBeUndefined();
    expect(mock.calls[n]!.status).toBe(200);
    expect(mock.calls[n]!.headers['x-amz-security-token']).toBe('temporary-token');
    expect(mock.calls[n]!.headers.authorization).toContain('x-amz-security-token');
  });

  it('denies a toxic request with deny_code and a chat.completion carrying the reason', async () => {
    const { reply, ctx } = await moderate(conf({ deny_code: 400 }), user('toxic', { model: 'gpt-4' }));
    expect(reply?.status).toBe(400);
    expect(reply?.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(String(reply?.body))).toEqual({
      id: expect.any(String),
      object: 'chat.completion',
      model: 'gpt-4',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'request body exceeds toxicity threshold' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
    expect(ctx.varValues.get('llm_content_risk_level')).toBe('high');
  });

  it('names the category whose threshold was exceeded, and lets a score under its threshold pass', async () => {
    const c5 = conf({ moderation_categories: { PROFANITY: 0.5 } });
    expect(JSON.parse(String((await moderate(c5, user('profane'))).reply?.body)).choices[0].message.content).toBe(
      'request body exceeds PROFANITY threshold',
    );
    const c7 = conf({ moderation_categories: { PROFANITY: 0.7 } });
    expect(JSON.parse(String((await moderate(c7, user('profane'))).reply?.body)).choices[0].message.content).toBe(
      'request body exceeds toxicity threshold',
    );
    expect((await moderate(c7, user('profane_but_not_toxic'))).reply).toBeUndefined();
    expect(JSON.parse(String((await moderate(c7, user('very_profane'))).reply?.body)).choices[0].message.content).toBe(
      'request body exceeds PROFANITY threshold',
    );
  });

  it('answers a streaming request with an SSE refusal and uses deny_message when set', async () => {
    const { reply } = await moderate(conf({ deny_message: 'withheld' }), user('toxic', { stream: true }));
    expect(reply?.status).toBe(200);
    expect(reply?.headers).toEqual({ 'content-type': 'text/event-stream' });
    expect(String(reply?.body)).toMatch(/^data: \{.*"content":"withheld".*\}\n\ndata: \[DONE\]$/);
  });

  it('sends system, history and tool texts joined by a space by default; last mode sends only the newest turn (+ system)', async () => {
    const body = {
      messages: [
        { role: 'system', content: 'be nice' },
        { role: 'user', content: 'earlier' },
        { role: 'assistant', content: 'reply' },
        { role: 'user', content: 'latest' },
      ],
    };
    let n = mock.calls.length;
    await moderate(conf(), body);
    expect(mock.calls[n]!.segments).toEqual(['be nice earlier reply latest']);
    n = mock.calls.length;
    await moderate(conf({ request_check_mode: 'last', request_check_roles: ['user', 'system'] }), body);
    expect(mock.calls[n]!.segments).toEqual(['be nice latest']);
    n = mock.calls.length;
    expect((await moderate(conf({ request_check_roles: ['tool'] }), body)).reply).toBeUndefined();
    expect(mock.calls.length).toBe(n); // nothing to score, no call
  });

  it('splits text over the length limit into segments and more than ten segments into several calls', async () => {
    const n = mock.calls.length;
    const { reply } = await moderate(
      conf({ request_check_length_limit: 4 }),
      user('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH'),
    );
    expect(reply).toBeUndefined();
    expect(mock.calls.slice(n).map((c) => c.segments.length)).toEqual([10, 1]);
    expect(mock.calls.slice(n).every((c) => c.status === 200)).toBe(true);
  });

  it('fails closed with 500 when the signature is wrong (the mock answers InvalidSignatureException)', async () => {
    const n = mock.calls.length;
    const { reply, ctx } = await moderate(conf({}, { secret_access_key: 'not-the-secret' }), user('good_request'));
    expect(mock.calls[n]!.status).toBe(403);
    expect(reply).toEqual({ status: 500, body: 'failed to get moderation results from response' });
    expect(ctx.logs.some((l) => JSON.stringify(l.obj).includes('InvalidSignatureException'))).toBe(true);
    expect(JSON.stringify(ctx.logs)).not.toContain('not-the-secret');
  });

  it('fails closed with 500 naming the endpoint when Comprehend is unreachable', async () => {
    const { reply } = await moderate(conf({}, { endpoint: 'http://localhost:9' }), user('good_request'));
    expect(reply).toEqual({
      status: 500,
      body: "failed to send request to http://localhost: Comprehend:detectToxicContent() failed to connect to 'http://localhost:9': connection refused",
    });
  });

  it('fails closed when Comprehend does not answer within timeout', async () => {
    mock.setDelay(400);
    try {
      const { reply } = await moderate(conf({ timeout: 100 }), user('good_request'));
      expect(reply?.status).toBe(500);
      expect(String(reply?.body)).toMatch(/^failed to send request to https:\/\/localhost: .*timeout$/);
    } finally {
      mock.setDelay(0);
    }
  });

  it('with ssl_verify the untrusted mock certificate is refused', async () => {
    const { reply } = await moderate(conf({}, { ssl_verify: true }), user('good_request'));
    expect(reply?.status).toBe(500);
    expect(String(reply?.body)).toMatch(/failed to connect to 'https:\/\/localhost:\d+'/);
  });

  it('skips (default fail_mode) or rejects (fail_mode error) a request no AI instance was picked for', async () => {
    const skip = await moderate(conf(), user('toxic'), { withProxy: false });
    expect(skip.reply).toBeUndefined();
    expect(skip.ctx.logs.map((l) => l.msg)).toContain(
      'ai-aws-content-moderation skipped: no ai instance picked (request did not pass through ai-proxy/ai-proxy-multi)',
    );
    const err = await moderate(conf({ fail_mode: 'error' }), user('toxic'), { withProxy: false });
    expect(err.reply).toEqual({
      status: 500,
      body: 'no ai instance picked, ai-aws-content-moderation plugin must be used with ai-proxy or ai-proxy-multi plugin',
    });
  });

  it('does not call Comprehend when check_request is off', async () => {
    const n = mock.calls.length;
    expect((await moderate(conf({ check_request: false }), user('toxic'))).reply).toBeUndefined();
    expect(mock.calls.length).toBe(n);
  });

  it('denies toxic embeddings input with a content_policy_violation error', async () => {
    const { reply } = await moderate(conf({ deny_code: 403 }), { input: ['fine', 'toxic'] });
    expect(reply).toEqual({
      status: 403,
      headers: { 'content-type': 'application/json' },
      body: '{"error":{"message":"request body exceeds toxicity threshold","type":"content_policy_violation"}}',
    });
  });

  it('an Anthropic Messages client gets an Anthropic-shaped refusal; its top-level system prompt is scored', async () => {
    const n = mock.calls.length;
    const body = {
      model: 'claude-x',
      system: 'be kind',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'toxic' }] }],
    };
    const { reply } = await moderate(conf({ deny_code: 403 }), body, { uri: '/v1/messages' });
    expect(mock.calls[n]!.segments).toEqual(['be kind toxic']);
    expect(reply?.status).toBe(403);
    expect(JSON.parse(String(reply?.body))).toEqual({
      id: expect.any(String),
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [{ type: 'text', text: 'request body exceeds toxicity threshold' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 0, output_tokens: 0 },
    });
  });

  it('a Bedrock Converse client gets a Converse-shaped refusal', async () => {
    const body = { messages: [{ role: 'user', content: [{ text: 'toxic' }] }] };
    const { reply } = await moderate(conf(), body, { uri: '/model/m/converse' });
    expect(JSON.parse(String(reply?.body))).toEqual({
      output: { message: { role: 'assistant', content: [{ text: 'request body exceeds toxicity threshold' }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    });
  });
});
