// check_response: the LLM's answer (mock LLM over HTTP) moderated by the TLS Comprehend mock.
import {
  createTestCa,
  startMockComprehend,
  startMockLlm,
  type MockComprehend,
  type MockLlm,
  type TestCa,
} from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checked, runWithProxy } from '../ai-guard-shared/run-with-proxy.case.js';
import { aiAwsContentModeration, type AiAwsContentModerationConf, prepareState } from './index.js';

const SECRET = 'response-side-secret';
let ca: TestCa;
let comprehend: MockComprehend;
let clean: MockLlm;
let harmful: MockLlm;

beforeAll(async () => {
  ca = createTestCa('comprehend response CA');
  comprehend = await startMockComprehend({
    tls: ca.issue({ cn: 'localhost', dns: ['localhost'] }),
    credentials: { AKIDRESP: SECRET },
  });
  clean = await startMockLlm({ content: 'How can I assist you today?' });
  harmful = await startMockLlm({ content: 'I will kill you right now!' });
});
afterAll(async () => {
  await Promise.all([comprehend.close(), clean.close(), harmful.close()]);
  ca.cleanup();
});

const conf = (extra: Record<string, unknown> = {}) =>
  checked<AiAwsContentModerationConf>(aiAwsContentModeration, {
    comprehend: {
      access_key_id: 'AKIDRESP',
      secret_access_key: SECRET,
      region: 'us-east-1',
      endpoint: comprehend.url,
      ssl_verify: false,
    },
    check_request: false,
    check_response: true,
    ...extra,
  });

async function run(c: AiAwsContentModerationConf, llm: MockLlm, body: unknown) {
  const state = prepareState(c);
  try {
    return await runWithProxy(llm.url, aiAwsContentModeration, state, body);
  } finally {
    await state.client.close();
  }
}

const ask = (extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4',
  messages: [{ role: 'user', content: 'good_request' }],
  ...extra,
});

describe('ai-aws-content-moderation check_response', () => {
  it('a toxic answer is replaced by deny_code and the refusal naming the response body', async () => {
    const n = comprehend.calls.length;
    const { reply, text } = await run(conf({ deny_code: 400 }), harmful, ask());
    expect(reply.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4',
      choices: [{ message: { role: 'assistant', content: 'response body exceeds toxicity threshold' } }],
      usage: { prompt_tokens: 23, completion_tokens: 8, total_tokens: 31 },
    });
    expect(comprehend.calls.slice(n).map((c) => c.segments)).toEqual([['I will kill you right now!']]);
  });

  it('a clean answer passes untouched; deny_message replaces the reason', async () => {
    const ok = await run(conf(), clean, ask());
    expect(ok.reply.status).toBe(200);
    expect(ok.text).toContain('How can I assist you today?');
    const denied = await run(conf({ deny_message: 'the response was withheld' }), harmful, ask());
    expect(denied.reply.status).toBe(200);
    expect(JSON.parse(denied.text).choices[0].message.content).toBe('the response was withheld');
  });

  it('with check_response off the toxic answer reaches the client', async () => {
    const { text } = await run(conf({ check_response: false }), harmful, ask());
    expect(text).toContain('I will kill you');
  });

  it('Comprehend failing on a buffered answer fails closed with 500', async () => {
    const c = conf({});
    c.comprehend.secret_access_key = 'wrong';
    const { reply, text } = await run(c, clean, ask());
    expect([reply.status, text]).toEqual([500, 'failed to get moderation results from response']);
  });

  it('final_packet streams the answer and annotates the last data frame with risk_level', async () => {
    const toxic = await run(conf(), harmful, ask({ stream: true }));
    expect(toxic.reply.status).toBe(200);
    expect(toxic.text).toContain('right now!');
    const framed = toxic.text.split('\n').filter((l) => l.includes('"risk_level"'));
    expect(framed).toHaveLength(1);
    expect(JSON.parse(framed[0]!.slice(6)).risk_level).toBe('high');
    expect(toxic.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const fine = await run(conf(), clean, ask({ stream: true }));
    expect(fine.text).toMatch(/"risk_level":"none"/);
    expect(fine.ctx.varValues.get('llm_content_risk_level')).toBe('none');
  });

  it('final_packet leaves the stream unannotated when Comprehend fails', async () => {
    const c = conf();
    c.comprehend.secret_access_key = 'wrong';
    const { text, ctx } = await run(c, clean, ask({ stream: true }));
    expect(text).toContain('"content":"you today?"');
    expect(text).not.toContain('risk_level');
    expect(ctx.logs.some((l) => l.msg === 'response was not scored, streaming without a risk_level annotation')).toBe(true);
  });

  it('realtime cuts the stream off at the first toxic batch: the rest never reaches the client', async () => {
    const n = comprehend.calls.length;
    const { chunks, text } = await run(
      conf({ stream_check_mode: 'realtime', stream_check_cache_size: 5, deny_message: 'the response was withheld' }),
      harmful,
      ask({ stream: true }),
    );
    expect(text).toContain('"content":"I will "');
    expect(text).not.toContain('kill');
    expect(text).not.toContain('right now!');
    expect(chunks.at(-1)).toMatch(/^data: \{.*"content":"the response was withheld".*\}\n\ndata: \[DONE\]$/);
    expect(comprehend.calls.slice(n).map((c) => c.segments)).toEqual([['I will '], ['kill you ']]);
  });

  it('realtime lets a clean stream through whole, checking batches as they fill and at [DONE]', async () => {
    const n = comprehend.calls.length;
    const { text } = await run(conf({ stream_check_mode: 'realtime', stream_check_cache_size: 5 }), clean, ask({ stream: true }));
    expect(text).toContain('"content":"you today?"');
    expect(text).toMatch(/data: \[DONE\]\n\n$/);
    expect(comprehend.calls.slice(n).map((c) => c.segments)).toEqual([['How can '], ['I assist '], ['you today?']]);
  });
});
