/** Routes and consumers the bench loads through the Admin API (APISIX shapes). */

/** The API key the bench consumer uses with key-auth. */
export const BENCH_KEY = 'bench-consumer-key';

/** Request body of a non-streaming chat call. */
export const CHAT_BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }] });
/** Request body of a streaming chat call. */
export const STREAM_BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  stream: true,
  messages: [{ role: 'user', content: 'Say hello.' }],
});

function aiInstance(mockPort: number, path: string, name?: string): Record<string, unknown> {
  return {
    ...(name ? { name, weight: 1 } : {}),
    provider: 'openai',
    auth: { header: { Authorization: 'Bearer sk-bench' } },
    options: { model: 'gpt-4o-mini' },
    override: { endpoint: `http://127.0.0.1:${mockPort}${path}` },
  };
}

/** [Admin API path, body] pairs. */
export function porticoRoutes(mockPort: number, redisPort?: number): Array<[string, unknown]> {
  const multi = (policy: Record<string, unknown>) => ({
    'key-auth': {},
    'ai-proxy-multi': {
      instances: [aiInstance(mockPort, '/v1/chat/completions', 'a'), aiInstance(mockPort, '/v1/chat/completions', 'b')],
    },
    'ai-rate-limiting': { limit: 1_000_000_000, time_window: 60, ...policy },
  });
  const out: Array<[string, unknown]> = [
    [
      'routes/bench-chat',
      { uri: '/v1/chat/completions', methods: ['POST'], plugins: { 'ai-proxy': aiInstance(mockPort, '/v1/chat/completions') } },
    ],
    [
      'routes/bench-long',
      {
        uri: '/long/v1/chat/completions',
        methods: ['POST'],
        plugins: { 'ai-proxy': aiInstance(mockPort, '/long/v1/chat/completions') },
      },
    ],
    [
      'routes/bench-held',
      {
        uri: '/held/v1/chat/completions',
        methods: ['POST'],
        plugins: { 'ai-proxy': aiInstance(mockPort, '/held/v1/chat/completions') },
      },
    ],
    [
      // Issue 12's stack: the plugins AI routes carry in front of ai-proxy.
      'routes/bench-stack',
      {
        uri: '/stack/v1/chat/completions',
        methods: ['POST'],
        plugins: {
          'key-auth': {},
          'limit-count': { count: 1_000_000_000, time_window: 60, policy: 'local' },
          cors: {},
          'proxy-rewrite': { headers: { set: { 'X-Bench': 'stack' } } },
          'ai-proxy': aiInstance(mockPort, '/v1/chat/completions'),
        },
      },
    ],
    [
      // Soak: one instance always answers 500, ai-proxy-multi falls back to the good one.
      'routes/bench-fallback',
      {
        uri: '/fallback/v1/chat/completions',
        methods: ['POST'],
        plugins: {
          'ai-proxy-multi': {
            fallback_strategy: 'http_5xx',
            instances: [
              aiInstance(mockPort, '/fault/v1/chat/completions', 'faulty'),
              aiInstance(mockPort, '/v1/chat/completions', 'good'),
            ],
          },
        },
      },
    ],
    ['routes/bench-plain', { uri: '/plain/*', upstream: { type: 'roundrobin', nodes: { [`127.0.0.1:${mockPort}`]: 1 } } }],
    ['consumers/bench', { username: 'bench', plugins: { 'key-auth': { key: BENCH_KEY } } }],
    ['routes/bench-multi-local', { uri: '/multi/local', methods: ['POST'], plugins: multi({ policy: 'local' }) }],
  ];
  if (redisPort) {
    out.push([
      'routes/bench-multi-redis',
      {
        uri: '/multi/redis',
        methods: ['POST'],
        plugins: multi({ policy: 'redis', redis_host: '127.0.0.1', redis_port: redisPort }),
      },
    ]);
  }
  return out;
}
