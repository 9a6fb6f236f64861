// ai-proxy-multi against mock providers on loopback through the built apps: weighted round
// robin (exactly 8/2), priority + rate-limit fallback, http_429 / http_5xx fallback, every
// instance failing (502 with the last upstream body) and active health checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  startEtcd,
  startMockLlm,
  startPortico,
  type EtcdProcess,
  type MockLlm,
  type PorticoApps,
} from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, eventually, startUpstream } from '../helpers.js';
import { errorLogLines, MATH_MESSAGES, postJson, putAndWait, sleep, streamSse } from './support.js';

const OPENAI_KEY = 'sk-e2e-openai-multi';
const DEEPSEEK_KEY = 'sk-e2e-deepseek-multi';

let etcd: EtcdProcess;
let apps: PorticoApps;
let openai: MockLlm;
let deepseek: MockLlm;
let dpUrl: string;

interface InstanceOpts {
  priority?: number;
  weight?: number;
  endpoint?: string;
  checks?: unknown;
}

function openaiInstance(o: InstanceOpts = {}): Record<string, unknown> {
  return {
    name: 'openai-instance',
    provider: 'openai',
    ...(o.priority !== undefined ? { priority: o.priority } : {}),
    weight: o.weight ?? 0,
    auth: { header: { Authorization: `Bearer ${OPENAI_KEY}` } },
    options: { model: 'gpt-4' },
    override: { endpoint: o.endpoint ?? openai.url },
    ...(o.checks ? { checks: o.checks } : {}),
  };
}

function deepseekInstance(o: InstanceOpts = {}): Record<string, unknown> {
  return {
    name: 'deepseek-instance',
    provider: 'deepseek',
    ...(o.priority !== undefined ? { priority: o.priority } : {}),
    weight: o.weight ?? 0,
    auth: { header: { Authorization: `Bearer ${DEEPSEEK_KEY}` } },
    options: { model: 'deepseek-chat' },
    override: { endpoint: o.endpoint ?? `${deepseek.url}/chat/completions` },
    ...(o.checks ? { checks: o.checks } : {}),
  };
}

/** Create route `id` at `/<id>` and wait until the data plane serves it. */
async function route(id: string, plugins: Record<string, unknown>): Promise<string> {
  await putAndWait(apps, `/apisix/admin/routes/${id}`, { uri: `/${id}`, methods: ['POST'], plugins }, { uri: `/${id}` });
  return `${dpUrl}/${id}`;
}

/** Which mock answered: the mocks map gpt-4 → gpt-4-0613 and echo deepseek-chat. */
async function ask(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; by: string; text: string; headers: Headers }> {
  const r = await postJson(url, { messages: MATH_MESSAGES }, headers);
  const model = r.status === 200 ? (r.json().model as string) : '';
  return {
    status: r.status,
    by: model === 'gpt-4-0613' ? 'openai' : model === 'deepseek-chat' ? 'deepseek' : `?${model}`,
    text: r.text,
    headers: r.headers,
  };
}

beforeAll(async () => {
  etcd = await startEtcd();
  openai = await startMockLlm({ apiKey: OPENAI_KEY });
  deepseek = await startMockLlm({ apiKey: DEEPSEEK_KEY, content: '1 + 1 = 2.', promptTokens: 14, completionTokens: 31 });
  apps = await startPortico({ etcdEndpoint: etcd.endpoint });
  dpUrl = apps.dataPlanes[0]!.url;
});
afterAll(async () => {
  await apps?.stop();
  await openai?.close();
  await deepseek?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

describe('ai-proxy-multi balancing and fallback', () => {
  it('splits 10 requests exactly 8/2 for weights 8 and 2 (doc: OpenAI responses: 8, DeepSeek responses: 2)', async () => {
    const url = await route('weighted', {
      'ai-proxy-multi': { instances: [openaiInstance({ weight: 8 }), deepseekInstance({ weight: 2 })] },
    });
    const o0 = openai.requests.length;
    const d0 = deepseek.requests.length;
    const by: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await ask(url);
      expect(r.status).toBe(200);
      by.push(r.by);
    }
    expect(by.filter((b) => b === 'openai')).toHaveLength(8);
    expect(by.filter((b) => b === 'deepseek')).toHaveLength(2);
    expect(openai.requests.length - o0).toBe(8);
    expect(deepseek.requests.length - d0).toBe(2);
    expect(deepseek.requests.at(-1)!.url).toBe('/chat/completions');
    expect(deepseek.requests.at(-1)!.json).toEqual({ messages: MATH_MESSAGES, model: 'deepseek-chat' });
  });

  it('serves the higher priority until its token quota is spent, then falls back (instance_health_and_rate_limiting)', async () => {
    const url = await route('priority', {
      'ai-proxy-multi': {
        fallback_strategy: 'instance_health_and_rate_limiting',
        instances: [openaiInstance({ priority: 1 }), deepseekInstance({ priority: 0 })],
      },
      'ai-rate-limiting': {
        instances: [{ name: 'openai-instance', limit: 10, time_window: 60 }],
        limit_strategy: 'total_tokens',
      },
    });
    const first = await ask(url);
    expect(first.status).toBe(200);
    expect(first.by).toBe('openai');
    expect(first.headers.get('x-ai-ratelimit-limit-openai-instance')).toBe('10');
    expect(first.headers.get('x-ai-ratelimit-remaining-openai-instance')).toBe('9');
    expect(first.headers.get('x-ai-ratelimit-reset-openai-instance')).toBe('60');
    // 31 tokens spent > 10: openai-instance is skipped at pick time from now on.
    for (let i = 0; i < 3; i++) {
      const r = await ask(url);
      expect(r.status).toBe(200);
      expect(r.by).toBe('deepseek');
      expect(r.headers.get('x-ai-ratelimit-limit-openai-instance')).toBeNull();
    }
  });

  it('answers 503 "all servers tried" once every priority group is over quota', async () => {
    const url = await route('exhausted', {
      'ai-proxy-multi': {
        fallback_strategy: ['rate_limiting'],
        instances: [openaiInstance({ priority: 1 }), deepseekInstance({ priority: 0 })],
      },
      'ai-rate-limiting': { limit: 10, time_window: 60 },
    });
    expect((await ask(url)).by).toBe('openai');
    expect((await ask(url)).by).toBe('deepseek');
    const r = await postJson(url, { messages: MATH_MESSAGES });
    expect(r.status).toBe(503);
    expect(r.text).toBe('all servers tried');
  });

  it('falls back on an upstream 429 with http_429 and on a 500 with http_5xx', async () => {
    const url429 = await route('fb429', {
      'ai-proxy-multi': {
        fallback_strategy: ['http_429'],
        instances: [openaiInstance({ priority: 1 }), deepseekInstance({ priority: 0 })],
      },
    });
    openai.setBehavior({ status: 429 });
    try {
      const o0 = openai.requests.length;
      const a = await ask(url429);
      expect(a.status).toBe(200);
      expect(a.by).toBe('deepseek');
      expect(openai.requests.length - o0).toBe(1);
      openai.setBehavior({ status: 500 });
      const b = await ask(url429);
      // 500 is not in the strategy: passed through with its body.
      expect(b.status).toBe(500);
      expect(b.text).toBe(
        '{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}',
      );
      expect(b.headers.get('content-type')).toBe('application/json');

      const url5xx = await route('fb5xx', {
        'ai-proxy-multi': {
          fallback_strategy: 'http_5xx',
          instances: [openaiInstance({ priority: 1 }), deepseekInstance({ priority: 0 })],
        },
      });
      const c = await ask(url5xx);
      expect(c.status).toBe(200);
      expect(c.by).toBe('deepseek');
    } finally {
      openai.setBehavior(undefined);
    }
    const warn = errorLogLines(apps.dataPlanes[0]!.process.logFile).map((l) => String(l.msg));
    expect(
      warn.some((m) => m.startsWith('ai instance openai-instance returned status 429, falling back to deepseek-instance.')),
    ).toBe(true);
  });

  it('treats an unreachable instance as 5xx and falls back', async () => {
    const dead = await freePort();
    const url = await route('fbdead', {
      'ai-proxy-multi': {
        fallback_strategy: ['http_5xx'],
        instances: [openaiInstance({ priority: 1, endpoint: `http://127.0.0.1:${dead}` }), deepseekInstance({ priority: 0 })],
      },
    });
    for (let i = 0; i < 3; i++) {
      const r = await ask(url);
      expect(r.status).toBe(200);
      expect(r.by).toBe('deepseek');
    }
  });

  it('answers 502 with the last upstream body and content-type when every instance fails', async () => {
    openai.setBehavior({ status: 429 });
    deepseek.setBehavior({ status: 500, errorBody: 'deepseek is down\n' });
    try {
      const url = await route('allfail', {
        'ai-proxy-multi': {
          fallback_strategy: ['http_429', 'http_5xx'],
          instances: [openaiInstance({ priority: 10 }), deepseekInstance({ priority: 0 })],
        },
      });
      const o0 = openai.requests.length;
      const d0 = deepseek.requests.length;
      const r = await postJson(url, { messages: MATH_MESSAGES });
      expect(r.status).toBe(502);
      expect(r.text).toBe('deepseek is down\n');
      expect(r.headers.get('content-type')).toBe('application/json');
      expect(openai.requests.length - o0).toBe(1);
      expect(deepseek.requests.length - d0).toBe(1);
    } finally {
      openai.setBehavior(undefined);
      deepseek.setBehavior(undefined);
    }
  });
});

describe('ai-proxy-multi attempts', () => {
  it("rebuilds the body per attempt: the failed instance's options never reach the fallback", async () => {
    const first = { ...openaiInstance({ priority: 1 }), options: { model: 'gpt-4', max_tokens: 2, temperature: 0 } };
    const url = await route('rebuild', {
      'ai-proxy-multi': { fallback_strategy: ['http_5xx'], instances: [first, deepseekInstance({ priority: 0 })] },
    });
    openai.setBehavior({ status: 502 });
    try {
      const r = await ask(url);
      expect(r.status).toBe(200);
      expect(r.by).toBe('deepseek');
      expect(openai.requests.at(-1)!.json).toEqual({ messages: MATH_MESSAGES, model: 'gpt-4', max_tokens: 2, temperature: 0 });
      expect(deepseek.requests.at(-1)!.json).toEqual({ messages: MATH_MESSAGES, model: 'deepseek-chat' });
    } finally {
      openai.setBehavior(undefined);
    }
    // The doc's max_tokens example: the mock truncates at max_tokens with finish_reason length.
    const url2 = await route('maxtokens', { 'ai-proxy-multi': { instances: [first] } });
    const j = (await postJson(url2, { messages: MATH_MESSAGES })).json() as {
      choices: Array<{ finish_reason: string; message: { content: string } }>;
      usage: { completion_tokens: number };
    };
    expect(j.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: '1+1 equals' } });
    expect(j.usage.completion_tokens).toBe(2);
  });

  it('never retries a stream that already reached the client, even with http_5xx', async () => {
    const url = await route('streamdrop', {
      'ai-proxy-multi': {
        fallback_strategy: ['http_5xx'],
        instances: [openaiInstance({ priority: 1 }), deepseekInstance({ priority: 0 })],
      },
    });
    openai.setBehavior({ dropAfterEvents: 2, intervalMs: 20 });
    try {
      const d0 = deepseek.requests.length;
      const r = await streamSse(url, { messages: MATH_MESSAGES, stream: true });
      expect(r.status).toBe(200);
      expect(r.ending).toBe('aborted');
      expect(r.events).toHaveLength(2);
      expect(JSON.parse(r.events[0]!.data).model).toBe('gpt-4-0613');
      await sleep(200);
      expect(deepseek.requests.length).toBe(d0);
    } finally {
      openai.setBehavior(undefined);
    }
  });
});

describe('ai-proxy-multi active health checks', () => {
  it('stops picking an instance whose probe fails within its interval, and takes it back once healthy', async () => {
    const probes: Array<{ at: number; path: string; auth: unknown }> = [];
    let probeStatus = 503;
    // The openai instance's health endpoint (checks.active.port): fails while probeStatus is 503.
    const health = await startUpstream((req, res) => {
      probes.push({ at: Date.now(), path: req.url ?? '', auth: req.headers.authorization });
      res.writeHead(probeStatus, { 'content-type': 'text/plain' });
      res.end('status');
    });
    const checks = {
      active: {
        type: 'http',
        http_path: '/status/gpt4',
        port: health.port,
        timeout: 1,
        healthy: { interval: 1, successes: 1 },
        unhealthy: { interval: 1, http_failures: 1 },
      },
    };
    try {
      const created = Date.now();
      const url = await route('health', {
        'ai-proxy-multi': {
          instances: [openaiInstance({ weight: 1, checks }), deepseekInstance({ weight: 1, endpoint: deepseek.url })],
        },
      });
      // One failed probe (interval 1 s, http_failures 1) marks it unhealthy.
      await eventually(async () => expect(probes.length).toBeGreaterThan(0), 3000);
      expect(probes[0]!.at - created).toBeLessThan(2500);
      await sleep(100);
      const o0 = openai.requests.length;
      for (let i = 0; i < 6; i++) {
        const r = await ask(url);
        expect(r.status).toBe(200);
        expect(r.by).toBe('deepseek');
      }
      expect(openai.requests.length).toBe(o0);
      expect(probes[0]!.path).toBe('/status/gpt4');
      // 3.18: probes carry the instance's auth header.
      expect(probes[0]!.auth).toBe(`Bearer ${OPENAI_KEY}`);

      probeStatus = 200;
      await eventually(
        async () => {
          const seen = new Set<string>();
          for (let i = 0; i < 4; i++) seen.add((await ask(url)).by);
          expect([...seen].sort()).toEqual(['deepseek', 'openai']);
        },
        4000,
        200,
      );

      // Deleting the route stops its checker: no probe after the next interval has passed.
      const del = await adminRequest(apps, 'DELETE', '/apisix/admin/routes/health');
      expect(del.status).toBe(200);
      await eventually(async () => expect((await fetch(url, { method: 'POST' })).status).toBe(404));
      await sleep(1200);
      const after = probes.length;
      await sleep(2200);
      expect(probes.length).toBe(after);
    } finally {
      await health.close();
    }
  });
});
