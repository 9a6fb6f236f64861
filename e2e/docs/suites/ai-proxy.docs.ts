import { describe } from 'vitest';
import { diffFields, formatFromYaml } from '../access-log.js';
import { adminWrite, fields, json, statuses, upstream } from '../checks.js';
import { accessLogLine, step, useSession } from '../harness.js';
import { DOC_ANSWERS, DOC_EMBEDDING } from '../provider-script.js';
import { TEST_KEYS } from '../providers.js';
import { report, type StepRun } from '../session.js';
import { readFixture } from '../verbatim.js';

const LOG_YAML = readFixture('ai-proxy/14-access-log-format.yaml');
const MESSAGES_1PLUS1 = [
  { role: 'system', content: 'You are a mathematician' },
  { role: 'user', content: 'What is 1+1?' },
];

describe.sequential('ai-proxy doc (003), run as printed', () => {
  // "Update the access log format ... Reload APISIX": Portico starts with the doc's snippet in conf/config.yaml.
  const session = useSession({ doc: 'ai-proxy', extraYaml: LOG_YAML });
  let openaiRun: StepRun | undefined;

  const exported = (fixture: string, name: keyof typeof TEST_KEYS) =>
    step(fixture, async () => {
      const r = await session().run(fixture);
      const d = statuses(r, []);
      if (session().vars[name] !== TEST_KEYS[name]) d.push(`$${name} not set by the export line`);
      return report(r, d, '`<your-api-key>` filled with a test key (the only edit: the printed line is a redirection otherwise)');
    });

  step('ai-proxy/01-admin-key.sh', async () => {
    const r = await session().run('ai-proxy/01-admin-key.sh');
    const d = statuses(r, []);
    if (session().vars.admin_key !== session().stack.adminKey)
      d.push(`admin_key: expected the key in conf/config.yaml, got ${JSON.stringify(session().vars.admin_key)}`);
    return report(r, d);
  });

  exported('ai-proxy/02-openai-export.sh', 'OPENAI_API_KEY');
  step('ai-proxy/03-openai-route.sh', async () => {
    const r = await session().run('ai-proxy/03-openai-route.sh');
    return report(r, adminWrite(r, 201, '/apisix/routes/ai-proxy-route', 'id', 'ai-proxy-route'));
  });
  step('ai-proxy/04-openai-post.sh', async () => {
    const r = (openaiRun = await session().run('ai-proxy/04-openai-post.sh'));
    const { body, diffs } = json(r);
    return report(r, [
      ...statuses(r, [200]),
      ...diffs,
      ...fields(body, {
        model: 'gpt-4-0613',
        'choices.0.index': 0,
        'choices.0.message.role': 'assistant',
        'choices.0.message.content': DOC_ANSWERS.openaiOnePlusOne,
        'choices.0.message.refusal': null,
        'choices.0.logprobs': null,
        'choices.0.finish_reason': 'stop',
        // The access-log section's copy of this response adds the usage block.
        'usage.prompt_tokens': 23,
        'usage.completion_tokens': 8,
        'usage.total_tokens': 31,
        'usage.prompt_tokens_details': { cached_tokens: 0, audio_tokens: 0 },
        service_tier: 'default',
        system_fingerprint: null,
      }),
      ...upstream(r, {
        host: 'api.openai.com',
        url: '/v1/chat/completions',
        header: ['authorization', `Bearer ${TEST_KEYS.OPENAI_API_KEY}`],
        body: { model: 'gpt-4', messages: MESSAGES_1PLUS1 },
      }),
    ]);
  });

  exported('ai-proxy/05-deepseek-export.sh', 'DEEPSEEK_API_KEY');
  step('ai-proxy/06-deepseek-route.sh', async () => {
    const r = await session().run('ai-proxy/06-deepseek-route.sh');
    return report(r, adminWrite(r, 200, '/apisix/routes/ai-proxy-route', 'id', 'ai-proxy-route'));
  });
  step('ai-proxy/07-deepseek-post.sh', async () => {
    const r = await session().run('ai-proxy/07-deepseek-post.sh');
    const { body, diffs } = json(r);
    return report(r, [
      ...statuses(r, [200]),
      ...diffs,
      ...fields(body, {
        'choices.0.index': 0,
        'choices.0.message': { role: 'assistant', content: DOC_ANSWERS.deepseekApisix },
        'choices.0.logprobs': null,
        'choices.0.finish_reason': 'stop',
      }),
      ...upstream(r, {
        host: 'api.deepseek.com',
        url: '/chat/completions',
        header: ['authorization', `Bearer ${TEST_KEYS.DEEPSEEK_API_KEY}`],
        body: { model: 'deepseek-chat' },
      }),
    ]);
  });

  exported('ai-proxy/08-azure-export.sh', 'AZ_OPENAI_API_KEY');
  step('ai-proxy/09-azure-route.sh', async () => {
    const r = await session().run('ai-proxy/09-azure-route.sh');
    return report(r, adminWrite(r, 200, '/apisix/routes/ai-proxy-route', 'id', 'ai-proxy-route'));
  });
  step('ai-proxy/10-azure-post.sh', async () => {
    const r = await session().run('ai-proxy/10-azure-post.sh');
    const { body, diffs } = json(r);
    return report(r, [
      ...statuses(r, [200]),
      ...diffs,
      ...fields(body, { 'choices.0.message.content': DOC_ANSWERS.azureApisix, 'choices.0.message.role': 'assistant' }),
      ...upstream(r, {
        host: 'api7-auzre-openai.openai.azure.com',
        url: '/openai/deployments/gpt-4/chat/completions?api-version=2024-02-15-preview',
        header: ['api-key', TEST_KEYS.AZ_OPENAI_API_KEY],
        body: {
          model: 'gpt-4',
          max_tokens: 800,
          temperature: 0.7,
          frequency_penalty: 0,
          presence_penalty: 0,
          top_p: 0.95,
          stop: null,
        },
      }),
    ]);
  });

  exported('ai-proxy/11-embeddings-export.sh', 'OPENAI_API_KEY');
  step('ai-proxy/12-embeddings-route.sh', async () => {
    const r = await session().run('ai-proxy/12-embeddings-route.sh');
    return report(r, adminWrite(r, 200, '/apisix/routes/ai-proxy-route', 'id', 'ai-proxy-route'));
  });
  step('ai-proxy/13-embeddings-post.sh', async () => {
    const r = await session().run('ai-proxy/13-embeddings-post.sh');
    const { body, diffs } = json(r);
    const first = (((body as { data?: Array<{ embedding?: unknown }> })?.data?.[0]?.embedding ?? []) as unknown[]).slice(0, 6);
    return report(r, [
      ...statuses(r, [200]),
      ...diffs,
      ...fields(body, {
        object: 'list',
        'data.0.object': 'embedding',
        'data.0.index': 0,
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 2, total_tokens: 2 },
      }),
      ...(JSON.stringify(first) === JSON.stringify(DOC_EMBEDDING)
        ? []
        : [`data.0.embedding[0..5]: expected ${JSON.stringify(DOC_EMBEDDING)}, got ${JSON.stringify(first)}`]),
      ...upstream(r, {
        host: 'api.openai.com',
        url: '/v1/embeddings',
        header: ['authorization', `Bearer ${TEST_KEYS.OPENAI_API_KEY}`],
        body: { model: 'text-embedding-3-small', encoding_format: 'float', input: 'hello world' },
      }),
    ]);
  });

  step('ai-proxy/14-access-log-format.yaml', async () => {
    const s = session();
    const format = formatFromYaml(LOG_YAML);
    const got = await accessLogLine(
      s.stack.accessLog,
      format,
      (f) => f.request_type === 'ai_chat' && f.http_host === 'api.openai.com',
    );
    const e = { id: 'ai-proxy/14-access-log-format.yaml', doc: 'ai-proxy', section: 'Include LLM Information in Access Log' };
    if (!got.fields) {
      return report(e, [
        `no access-log line for the "Proxy to OpenAI" request matches the doc format; last lines: ${got.lines.slice(-3).join(' | ') || '(access.log empty or missing)'}`,
      ]);
    }
    return report(
      e,
      diffFields(got.fields, {
        remote_addr: '127.0.0.1',
        remote_user: '-',
        time_local: /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}$/,
        http_host: 'api.openai.com',
        request_line: 'POST /anything HTTP/1.1',
        status: '200',
        body_bytes_sent: String(Buffer.byteLength(openaiRun?.stdout ?? '')),
        request_time: /^\d+\.\d{3}$/,
        http_referer: '-',
        http_user_agent: /^curl\/\d/,
        // Deviation (docs/compatibility.md): like APISIX 3.17+, the AI transport fills the
        // upstream vars; the doc's line (3.13) shows them empty.
        upstream_addr: 'api.openai.com:443',
        upstream_status: '200',
        upstream_response_time: /^\d+\.\d{3}$/,
        upstream_scheme: 'https',
        'upstream_host+upstream_uri': 'api.openai.com/v1/chat/completions',
        apisix_request_id: /^[0-9a-f]{32}$/,
        request_type: 'ai_chat',
        llm_time_to_first_token: /^\d+$/,
        llm_model: 'gpt-4',
        llm_prompt_tokens: '23',
        llm_completion_tokens: '8',
      }),
      'checked on the line of the "Proxy to OpenAI" request (ai-proxy/04); Portico started with the snippet instead of a reload',
    );
  });
});
