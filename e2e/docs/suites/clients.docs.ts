import OpenAI from 'openai';
import { describe } from 'vitest';
import { adminWrite, fields, statuses } from '../checks.js';
import { step, useSession } from '../harness.js';
import { DOC_ANSWERS, DOC_EMBEDDING } from '../provider-script.js';
import { TEST_KEYS } from '../providers.js';
import { report } from '../session.js';

const DOC = 'real clients (openai npm SDK, curl -N)';
const MESSAGES = [
  { role: 'system' as const, content: 'You are a mathematician' },
  { role: 'user' as const, content: 'What is 1+1?' },
];
const USAGE = { prompt_tokens: 23, completion_tokens: 8, total_tokens: 31 };

function route(id: string, uri: string, plugin: string): string {
  return `curl -s "http://127.0.0.1:9180/apisix/admin/routes/${id}" -X PUT -H "X-API-KEY: \${admin_key}" -d '{ "uri": "${uri}", "methods": ["POST"], "plugins": { "ai-proxy": ${plugin} } }'`;
}

describe.sequential('real clients through Portico routes', () => {
  const session = useSession({ doc: DOC, exportKeys: true });
  const s = (): ReturnType<typeof session> => session();
  const sdk = (): OpenAI => new OpenAI({ apiKey: 'sk-client-side-key', baseURL: 'http://127.0.0.1:9080/v1', maxRetries: 0 });
  const row = (id: string, section: string) => ({ id, doc: DOC, section });

  step('client:routes', async () => {
    await s().run('ai-proxy-multi/01-admin-key.sh');
    const auth = `"auth": { "header": { "Authorization": "Bearer '"$OPENAI_API_KEY"'" } }`;
    const chat = await s().runDerived(
      'client:routes',
      'setup',
      route('sdk-chat', '/v1/chat/completions', `{ "provider": "openai", ${auth}, "options": { "model": "gpt-4" } }`),
    );
    const emb = await s().runDerived(
      'client:routes',
      'setup',
      route(
        'sdk-embeddings',
        '/v1/embeddings',
        `{ "provider": "openai", ${auth}, "options": { "model": "text-embedding-3-small" }, "override": { "endpoint": "https://api.openai.com/v1/embeddings" } }`,
      ),
    );
    return report(row('client:routes', 'setup'), [
      ...adminWrite(chat, 201, '/apisix/routes/sdk-chat', 'id', 'sdk-chat'),
      ...adminWrite(emb, 201, '/apisix/routes/sdk-embeddings', 'id', 'sdk-embeddings'),
    ]);
  });

  step('client:openai-sdk-chat', async () => {
    const mark = s().providers.requests.length;
    const res = await sdk().chat.completions.create({ model: 'gpt-4', messages: MESSAGES });
    const up = s().providers.since(mark)[0];
    return report(row('client:openai-sdk-chat', 'openai SDK chat.completions.create'), [
      ...fields(
        res,
        {
          model: 'gpt-4-0613',
          'choices.0.message.content': DOC_ANSWERS.openaiOnePlusOne,
          'choices.0.finish_reason': 'stop',
          'usage.total_tokens': 31,
        },
        'response',
      ),
      ...fields(
        up,
        { host: 'api.openai.com', url: '/v1/chat/completions', 'headers.authorization': `Bearer ${TEST_KEYS.OPENAI_API_KEY}` },
        'upstream',
      ),
    ]);
  });

  step('client:openai-sdk-stream', async () => {
    const stream = await sdk().chat.completions.create({
      model: 'gpt-4',
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    return report(
      row('client:openai-sdk-stream', 'openai SDK streaming chat with usage'),
      fields(
        { text, finish, usage },
        {
          text: DOC_ANSWERS.openaiOnePlusOne,
          finish: 'stop',
          usage: {
            ...USAGE,
            prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
            completion_tokens_details: {
              reasoning_tokens: 0,
              audio_tokens: 0,
              accepted_prediction_tokens: 0,
              rejected_prediction_tokens: 0,
            },
          },
        },
        'stream',
      ),
    );
  });

  step('client:openai-sdk-embeddings', async () => {
    const res = await sdk().embeddings.create({ model: 'text-embedding-3-small', input: 'hello world' });
    const first = res.data[0]?.embedding.slice(0, DOC_EMBEDDING.length) ?? [];
    const d = fields(
      res,
      { object: 'list', model: 'text-embedding-3-small', usage: { prompt_tokens: 2, total_tokens: 2 }, 'data.0.index': 0 },
      'response',
    );
    if (first.length !== DOC_EMBEDDING.length || first.some((v, i) => Math.abs(v - (DOC_EMBEDDING[i] ?? 0)) > 1e-6))
      d.push(`embedding[0..5]: expected ${JSON.stringify(DOC_EMBEDDING)}, got ${JSON.stringify(first)}`);
    return report(row('client:openai-sdk-embeddings', 'openai SDK embeddings.create (base64 by default)'), d);
  });

  step('client:curl-N-stream', async () => {
    const r = await s().runDerived(
      'client:curl-N-stream',
      'curl -N streaming',
      `curl -sN "http://127.0.0.1:9080/v1/chat/completions" -X POST -H "Content-Type: application/json" -d '{"messages": [{"role": "user", "content": "What is 1+1?"}], "stream": true, "stream_options": {"include_usage": true}}'`,
    );
    const events = r.stdout
      .split('\n\n')
      .filter(Boolean)
      .map((e) => e.replace(/^data: /, ''));
    const d = statuses(r, [200]);
    if (events.at(-1) !== '[DONE]') d.push(`last event: expected [DONE], got ${JSON.stringify(events.at(-1))}`);
    const chunks = events
      .filter((e) => e !== '[DONE]')
      .map((e) => JSON.parse(e) as { choices: Array<{ delta?: { content?: string } }>; usage?: unknown });
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    if (text !== DOC_ANSWERS.openaiOnePlusOne)
      d.push(`streamed text: expected ${JSON.stringify(DOC_ANSWERS.openaiOnePlusOne)}, got ${JSON.stringify(text)}`);
    d.push(...fields(chunks.find((c) => c.usage)?.usage, USAGE, 'usage chunk'));
    if (chunks.length < 3) d.push(`SSE events: expected several chunks, got ${chunks.length}`);
    return report(row('client:curl-N-stream', 'curl -N streaming'), d);
  });
});
