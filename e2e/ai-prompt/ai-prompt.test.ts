// ai-prompt-decorator, ai-prompt-template, ai-prompt-guard and ai-request-rewrite through the
// built admin + data plane and a real etcd, with APISIX's doc examples pasted as they are
// (only the LLM and upstream addresses changed): the mock LLM behind ai-proxy records the
// body each plugin left, a second mock plays the LLM ai-request-rewrite consults, and an
// echo upstream shows what the rewritten request carried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startMockLlm, startPortico, type EtcdProcess, type MockLlm, type PorticoApps } from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, startEchoUpstream, type Upstream } from '../helpers.js';
import { postJson, putAndWait } from '../ai/support.js';

const OPENAI_API_KEY = 'sk-e2e-prompt-key';
// What the rewriting LLM answers: the client's chat body with the card number masked, so the
// same answer serves an upstream (doc example) and ai-proxy behind the rewrite.
const REWRITTEN = '{"messages":[{"role":"user","content":"John said his debit card number is **** **** **** 1111."}]}';
const NGINX_500 =
  '<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n' +
  '<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n';

let etcd: EtcdProcess;
let apps: PorticoApps;
let llm: MockLlm;
let rewriter: MockLlm;
let echo: Upstream;
let dp: string;

/** The docs' ai-proxy block, pointed at the mock LLM. */
const aiProxy = (options?: Record<string, unknown>) => ({
  provider: 'openai',
  auth: { header: { Authorization: `Bearer ${OPENAI_API_KEY}` } },
  ...(options ? { options } : {}),
  override: { endpoint: llm.url },
});

// The doc's guard patterns exactly as its shell variables hold them, pasted into the JSON text.
const ALLOW_PATTERN_1 = '\\\\$?\\\\(?\\\\d{1,3}(,\\\\d{3})*(\\\\.\\\\d{1,2})?\\\\)?';
const DENY_PATTERN_1 = '(\\\\([0-9]{3}\\\\)|[0-9]{3}-)[0-9]{3}-[0-9]{4}';
const guardRoute = (uri: string, extra: string) => `{
    "uri": "${uri}",
    "methods": ["POST"],
    "plugins": {
      "ai-proxy": ${JSON.stringify(aiProxy({ model: 'gpt-4' }))},
      "ai-prompt-guard": {${extra}
        "allow_patterns": [
          "${ALLOW_PATTERN_1}"
        ],
        "deny_patterns": [
          "${DENY_PATTERN_1}"
        ]
      }
    }
  }`;

const REDACT_PROMPT =
  'Given a JSON request body, identify and mask any sensitive information such as credit card numbers, social security numbers, and personal identification numbers (e.g., passport or driver\'s license numbers). Replace detected sensitive values with a masked format (e.g., "*** **** **** 1234") for credit card numbers. Ensure the JSON structure remains unchanged.';

const lastChat = (m: MockLlm) => m.requests.at(-1)!.json as { model?: string; messages: { role: string; content: string }[] };

beforeAll(async () => {
  etcd = await startEtcd();
  llm = await startMockLlm({ apiKey: OPENAI_API_KEY });
  rewriter = await startMockLlm({ apiKey: OPENAI_API_KEY, content: REWRITTEN });
  echo = await startEchoUpstream();
  apps = await startPortico({ etcdEndpoint: etcd.endpoint });
  dp = apps.dataPlanes[0]!.url;

  await putAndWait(
    apps,
    '/apisix/admin/routes/decorator',
    {
      uri: '/openai-chat',
      methods: ['POST'],
      plugins: {
        'ai-proxy': aiProxy(),
        'ai-prompt-decorator': {
          prepend: [{ role: 'system', content: 'Answer briefly and conceptually.' }],
          append: [{ role: 'user', content: 'End the answer with a simple analogy.' }],
        },
      },
    },
    { uri: '/openai-chat' },
  );
  await putAndWait(
    apps,
    '/apisix/admin/routes/template',
    {
      uri: '/template-chat',
      methods: ['POST'],
      plugins: {
        'ai-proxy': aiProxy({ model: 'gpt-4' }),
        'ai-prompt-template': {
          templates: [
            {
              name: 'QnA with complexity',
              template: {
                model: 'gpt-4',
                messages: [
                  { role: 'system', content: 'Answer in {{complexity}}.' },
                  { role: 'user', content: 'Explain {{prompt}}.' },
                ],
              },
            },
          ],
        },
      },
    },
    { uri: '/template-chat' },
  );
  await putAndWait(apps, '/apisix/admin/routes/guard', guardRoute('/anything', ''), { uri: '/anything' });
  await putAndWait(
    apps,
    '/apisix/admin/routes/guard-all',
    guardRoute('/anything-all', '\n        "match_all_roles": true,\n        "match_all_conversation_history": true,'),
    { uri: '/anything-all' },
  );
  await putAndWait(
    apps,
    '/apisix/admin/routes/rewrite',
    `{
    "uri": "/anything-rewrite",
    "methods": ["POST"],
    "plugins": {
      "ai-request-rewrite": {
        "provider": "openai",
        "auth": {
          "header": {
            "Authorization": "Bearer ${OPENAI_API_KEY}"
          }
        },
        "options":{
          "model": "gpt-4"
        },
        "prompt": ${JSON.stringify(REDACT_PROMPT)},
        "override": { "endpoint": "${rewriter.url}" }
      }
    },
    "upstream": {
      "type": "roundrobin",
      "nodes": {
        "${echo.node}": 1
      }
    }
  }`,
    { uri: '/anything-rewrite' },
  );
  await putAndWait(
    apps,
    '/apisix/admin/routes/rewrite-compatible',
    `{
    "uri": "/anything-compatible",
    "plugins": {
      "ai-request-rewrite": {
        "prompt": ${JSON.stringify(REDACT_PROMPT)},
        "provider": "openai-compatible",
        "auth": {
          "header": {
            "Authorization": "Bearer ${OPENAI_API_KEY}"
          }
        },
        "options": {
          "model": "qwen-plus",
          "max_tokens": 1024,
          "temperature": 1
        },
        "override": {
          "endpoint": "${rewriter.url}/compatible-mode/v1/chat/completions"
        }
      }
    },
    "upstream": {
      "type": "roundrobin",
      "nodes": {
        "${echo.node}": 1
      }
    }
  }`,
    { uri: '/anything-compatible' },
  );
  await putAndWait(
    apps,
    '/apisix/admin/routes/rewrite-then-proxy',
    {
      uri: '/rewrite-then-proxy',
      methods: ['POST'],
      plugins: {
        'ai-request-rewrite': {
          prompt: 'Mask card numbers. Keep the JSON structure.',
          provider: 'openai',
          auth: { header: { Authorization: `Bearer ${OPENAI_API_KEY}` } },
          override: { endpoint: rewriter.url },
        },
        'ai-proxy': aiProxy({ model: 'gpt-4' }),
      },
    },
    { uri: '/rewrite-then-proxy' },
  );
  await putAndWait(
    apps,
    '/apisix/admin/routes/guard-plain',
    {
      uri: '/guard-plain',
      plugins: { 'ai-prompt-guard': { match_all_roles: true, deny_patterns: ['badword'] } },
      upstream: { type: 'roundrobin', nodes: { [echo.node]: 1 } },
    },
    { uri: '/guard-plain' },
  );
  await putAndWait(
    apps,
    '/apisix/admin/routes/rewrite-bad-key',
    {
      uri: '/rewrite-bad-key',
      plugins: {
        'ai-request-rewrite': {
          prompt: 'some prompt',
          provider: 'openai',
          auth: { header: { Authorization: 'Bearer wrong-token' } },
          override: { endpoint: rewriter.url },
        },
      },
      upstream: { type: 'roundrobin', nodes: { [echo.node]: 1 } },
    },
    { uri: '/rewrite-bad-key' },
  );
  await putAndWait(
    apps,
    '/apisix/admin/routes/combo',
    {
      uri: '/combo',
      methods: ['POST'],
      plugins: {
        'ai-proxy': aiProxy({ model: 'gpt-4' }),
        'ai-prompt-decorator': { prepend: [{ role: 'system', content: 'Support line: 647-200-9393.' }] },
        'ai-prompt-guard': { match_all_roles: true, match_all_conversation_history: true, deny_patterns: ['[0-9]{3}-[0-9]{4}'] },
      },
    },
    { uri: '/combo' },
  );
}, 120_000);

afterAll(async () => {
  await apps?.stop();
  await llm?.close();
  await rewriter?.close();
  await echo?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

describe('Admin API checks of the AI prompt plugins', () => {
  const reject = async (plugin: string, conf: unknown, err: string) => {
    const res = await adminRequest(apps, 'PUT', '/apisix/admin/routes/bad', { uri: '/bad', plugins: { [plugin]: conf } });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error_msg: `failed to check the configuration of plugin ${plugin} err: ${err}` });
  };

  it('rejects invalid confs with APISIX error bodies', async () => {
    await reject(
      'ai-prompt-decorator',
      {},
      'object matches none of the required: ["prepend"] or ["append"] or ["append","prepend"]',
    );
    await reject(
      'ai-prompt-template',
      { templates: [] },
      'property "templates" validation failed: expect array to have at least 1 items',
    );
    await reject('ai-prompt-guard', { match_all_roles: true, deny_patterns: ['(abc'] }, 'invalid deny_pattern: (abc');
    await reject(
      'ai-request-rewrite',
      { prompt: 'p', provider: 'openai-compatible', auth: { header: { Authorization: 'Bearer t' } } },
      'override.endpoint is required for openai-compatible provider',
    );
    await reject('ai-request-rewrite', { provider: 'openai', auth: {} }, 'property "prompt" is required');
  });
});

describe('ai-prompt-decorator (doc: Prepend and Append Messages)', () => {
  it('sends the prepended system message and the appended user message to the LLM', async () => {
    const res = await postJson(`${dp}/openai-chat`, {
      model: 'gpt-4',
      messages: [{ role: 'user', content: 'What is mTLS authentication?' }],
    });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ object: 'chat.completion', model: 'gpt-4-0613' });
    expect(lastChat(llm)).toMatchObject({
      model: 'gpt-4',
      messages: [
        { role: 'system', content: 'Answer briefly and conceptually.' },
        { role: 'user', content: 'What is mTLS authentication?' },
        { role: 'user', content: 'End the answer with a simple analogy.' },
      ],
    });
  });
});

describe('ai-prompt-template (doc: Configure a Template / Configure Multiple Templates)', () => {
  it('fills the template from the request and, after the doc PATCH, serves the echo template too', async () => {
    const res = await postJson(`${dp}/template-chat`, {
      template_name: 'QnA with complexity',
      complexity: 'brief',
      prompt: 'quick sort',
    });
    expect(res.status).toBe(200);
    expect(lastChat(llm).messages).toEqual([
      { role: 'system', content: 'Answer in brief.' },
      { role: 'user', content: 'Explain quick sort.' },
    ]);

    const patch = await adminRequest(apps, 'PATCH', '/apisix/admin/routes/template', {
      plugins: {
        'ai-prompt-template': {
          templates: [
            {
              name: 'QnA with complexity',
              template: {
                model: 'gpt-4',
                messages: [
                  { role: 'system', content: 'Answer in {{complexity}}.' },
                  { role: 'user', content: 'Explain {{prompt}}.' },
                ],
              },
            },
            { name: 'echo', template: { model: 'gpt-4', messages: [{ role: 'user', content: 'Echo {{prompt}}.' }] } },
          ],
        },
      },
    });
    expect(patch.status, patch.text).toBe(200);
    const echoed = await (async () => {
      for (let i = 0; i < 200; i++) {
        const r = await postJson(`${dp}/template-chat`, { template_name: 'echo', prompt: 'hello APISIX' });
        if (r.status === 200) return r;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('the PATCHed template never arrived');
    })();
    expect(echoed.status).toBe(200);
    expect(lastChat(llm).messages).toEqual([{ role: 'user', content: 'Echo hello APISIX.' }]);
  });

  it('answers APISIX 400 bodies for a missing or unknown template name without calling the LLM', async () => {
    const before = llm.requests.length;
    const missing = await postJson(`${dp}/template-chat`, { prompt: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.text).toBe('{"message":"template name is missing in request."}\n');
    const unknown = await postJson(`${dp}/template-chat`, { template_name: 'random' });
    expect(unknown.status).toBe(400);
    expect(unknown.json()).toEqual({ message: 'template: random not configured.' });
    expect(llm.requests.length).toBe(before);
  });
});

describe('ai-prompt-guard (doc: Implement Allow and Deny Patterns)', () => {
  const SYSTEM = { role: 'system', content: 'Rate if the purchase is at a decent price in USD.' };
  const user = (content: string) => ({ role: 'user', content });

  it('forwards a prompt with a price and rejects one without a price or with a phone number', async () => {
    const before = llm.requests.length;
    const ok = await postJson(`${dp}/anything`, {
      messages: [SYSTEM, user('John paid $12.5 for a hot brewed coffee in El Paso.')],
    });
    expect(ok.status).toBe(200);
    expect(llm.requests.length).toBe(before + 1);
    const noPrice = await postJson(`${dp}/anything`, {
      messages: [SYSTEM, user('John paid a bit for a hot brewed coffee in El Paso.')],
    });
    expect(noPrice.status).toBe(400);
    expect(noPrice.text).toBe('{"message":"Request doesn\'t match allow patterns"}\n');
    const phone = await postJson(`${dp}/anything`, {
      messages: [SYSTEM, user('John (647-200-9393) paid $12.5 for a hot brewed coffee in El Paso.')],
    });
    expect(phone.status).toBe(400);
    expect(phone.text).toBe('{"message":"Request contains prohibited content"}\n');
    expect(llm.requests.length).toBe(before + 1);
  });

  it('checks only the last user message by default', async () => {
    const sys = await postJson(`${dp}/anything`, {
      messages: [
        { role: 'system', content: 'Rate if the purchase from 647-200-9393 is at a decent price in USD.' },
        user('John paid $12.5 for a hot brewed coffee in El Paso.'),
      ],
    });
    expect(sys.status).toBe(200);
    const history = await postJson(`${dp}/anything`, {
      messages: [
        SYSTEM,
        user('Customer John contact: 647-200-9393'),
        user('John paid $12.5 for a hot brewed coffee in El Paso.'),
      ],
    });
    expect(history.status).toBe(200);
  });

  it('checks every role and the whole history when configured (doc: Validate Messages From All Roles)', async () => {
    const sys = await postJson(`${dp}/anything-all`, {
      messages: [
        { role: 'system', content: 'Rate if the purchase from 647-200-9393 is at a decent price in USD.' },
        user('John paid $12.5 for a hot brewed coffee in El Paso.'),
      ],
    });
    expect(sys.status).toBe(400);
    expect(sys.json()).toEqual({ message: 'Request contains prohibited content' });
    const history = await postJson(`${dp}/anything-all`, {
      messages: [
        SYSTEM,
        user('Customer John contact: 647-200-9393'),
        user('John paid $12.5 for a hot brewed coffee in El Paso.'),
      ],
    });
    expect(history.status).toBe(400);
    const ok = await postJson(`${dp}/anything-all`, {
      messages: [
        SYSTEM,
        { role: 'system', content: 'The purchase is made in El Paso.' },
        user('Customer John contact: xxx-xxx-xxxx'),
        user('John paid $12.5 for a hot brewed coffee.'),
      ],
    });
    expect(ok.status).toBe(200);
  });

  it('lets non-AI traffic through to the upstream by default and still checks chat bodies (t/plugin/ai-prompt-guard.t TEST 31)', async () => {
    const plain = await postJson(`${dp}/guard-plain`, { foo: 'badword' });
    expect(plain.status).toBe(200);
    expect((plain.json() as { body: string }).body).toBe('{"foo":"badword"}');
    const chat = await postJson(`${dp}/guard-plain`, { messages: [{ role: 'user', content: 'a badword here' }] });
    expect(chat.status).toBe(400);
    expect(chat.json()).toEqual({ message: 'Request contains prohibited content' });
  });

  it('sees the messages ai-prompt-decorator added in the rewrite phase', async () => {
    const res = await postJson(`${dp}/combo`, { messages: [user('hello')] });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ message: 'Request contains prohibited content' });
  });
});

describe('ai-request-rewrite (doc: Redact Sensitive Information)', () => {
  it('asks the LLM with the prompt and forwards its answer to the upstream as the body', async () => {
    const client = { content: 'John said his debit card number is 4111 1111 1111 1111 and SIN is 123-45-6789.' };
    const before = rewriter.requests.length;
    const res = await postJson(`${dp}/anything-rewrite`, client);
    expect(res.status).toBe(200);
    const seen = res.json() as { body: string; headers: Record<string, string> };
    expect(seen.body).toBe(REWRITTEN);
    expect(seen.headers['content-length']).toBe(String(Buffer.byteLength(REWRITTEN)));
    expect(rewriter.requests.length).toBe(before + 1);
    expect(rewriter.requests.at(-1)!.json).toEqual({
      messages: [
        { role: 'system', content: REDACT_PROMPT },
        { role: 'user', content: JSON.stringify(client) },
      ],
      stream: false,
      model: 'gpt-4',
    });
  });

  it('calls an openai-compatible endpoint with the configured options (doc: Send Request to an OpenAI-Compatible LLM)', async () => {
    const res = await postJson(`${dp}/anything-compatible`, { content: 'card 4111 1111 1111 1111' });
    expect(res.status).toBe(200);
    expect((res.json() as { body: string }).body).toBe(REWRITTEN);
    const seen = rewriter.requests.at(-1)!;
    expect(seen.path).toBe('/compatible-mode/v1/chat/completions');
    expect(seen.headers.authorization).toBe(`Bearer ${OPENAI_API_KEY}`);
    expect(seen.json).toEqual({
      messages: [
        { role: 'system', content: REDACT_PROMPT },
        { role: 'user', content: '{"content":"card 4111 1111 1111 1111"}' },
      ],
      stream: false,
      model: 'qwen-plus',
      max_tokens: 1024,
      temperature: 1,
    });
  });

  it('runs before ai-proxy in the access phase: the LLM behind ai-proxy gets the rewritten messages', async () => {
    const res = await postJson(`${dp}/rewrite-then-proxy`, {
      messages: [{ role: 'user', content: 'John said his debit card number is 4111 1111 1111 1111.' }],
    });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ object: 'chat.completion' });
    expect(lastChat(llm)).toEqual({
      messages: [{ role: 'user', content: 'John said his debit card number is **** **** **** 1111.' }],
      model: 'gpt-4',
    });
  });

  it('answers 500 with the nginx error page when the LLM refuses the call', async () => {
    const res = await postJson(`${dp}/rewrite-bad-key`, { content: 'x' });
    expect(res.status).toBe(500);
    expect(res.text).toBe(NGINX_500);
  });
});
