import { describe } from 'vitest';
import { diffFields, formatFromYaml } from '../access-log.js';
import { adminError, adminWrite, at, cjsonError, clip, curlBody, fields, json, servedBy, statuses } from '../checks.js';
import { accessLogLine, step, useSession } from '../harness.js';
import { TRUNCATED } from '../provider-script.js';
import { TEST_KEYS } from '../providers.js';
import { report, type StepRun } from '../session.js';
import { readFixture } from '../verbatim.js';

const DOC = 'ai-proxy-multi (002, older)';
const F = (n: string): string => `ai-proxy-multi/${n}`;
const LOG_YAML = readFixture(F('22-access-log-format.yaml'));
const ROUTE_KEY = '/apisix/routes/ai-proxy-multi-route';
const STILL_LB =
  'doc bug: the route PUT just before was rejected, so the load-balancing route from the first section still serves this request (APISIX behaves the same)';

/** 200 from the 8/2 load-balancing route (either instance), as APISIX answers after a rejected route PUT. */
function servedByLbRoute(r: StepRun): string[] {
  const { body, diffs } = json(r);
  const by = servedBy(body);
  return [
    ...statuses(r, [200]),
    ...diffs,
    ...(by === 'unknown' ? [`model: expected gpt-4-0613 or deepseek-chat, got ${clip(at(body, 'model'))}`] : []),
  ];
}

describe.sequential('ai-proxy-multi doc (002), run as printed', () => {
  const session = useSession({ doc: DOC, extraYaml: LOG_YAML, exportKeys: true });
  const s = (): ReturnType<typeof session> => session();

  step(F('01-admin-key.sh'), async () => {
    const r = await s().run(F('01-admin-key.sh'));
    const d = statuses(r, []);
    if (s().vars.admin_key !== s().stack.adminKey)
      d.push(`admin_key: expected the conf/config.yaml key, got ${JSON.stringify(s().vars.admin_key)}`);
    return report(r, d);
  });

  step(F('02-lb-route.sh'), async () => {
    const r = await s().run(F('02-lb-route.sh'));
    return report(r, adminWrite(r, 201, ROUTE_KEY, 'id', 'ai-proxy-multi-route'));
  });

  step(F('03-lb-count-loop.sh'), async () => {
    const r = await s().run(F('03-lb-count-loop.sh'));
    const d = statuses(r, Array(10).fill(200));
    const want = 'OpenAI responses: 8\nDeepSeek responses: 2\n';
    if (r.stdout !== want) d.push(`stdout: expected ${JSON.stringify(want)}, got ${JSON.stringify(r.stdout)}`);
    const hosts = r.upstream.map((u) => u.host);
    const openai = hosts.filter((h) => h === 'api.openai.com').length;
    const deepseek = hosts.filter((h) => h === 'api.deepseek.com').length;
    if (openai !== 8 || deepseek !== 2) d.push(`upstream split: expected 8 openai / 2 deepseek, got ${openai} / ${deepseek}`);
    return report(r, d);
  });

  step(F('04-priority-route.sh'), async () => {
    const r = await s().run(F('04-priority-route.sh'));
    const body = curlBody(r.script, s().vars);
    return report(
      r,
      adminError(r, 400, {
        error_msg: `invalid request body: ${cjsonError(body, 'colon', 'invalid token', 'instance_health_and_rate_limiting')}`,
        req_body: body,
      }),
      'doc bug run as printed: `"fallback_strategy: "instance_health_...",` is not JSON; APISIX answers 400 with the cjson message',
    );
  });
  step(F('05-priority-post-1.sh'), async () => {
    const r = await s().run(F('05-priority-post-1.sh'));
    return report(r, servedByLbRoute(r), STILL_LB);
  });
  step(F('06-priority-post-2.sh'), async () => {
    const r = await s().run(F('06-priority-post-2.sh'));
    return report(r, servedByLbRoute(r), STILL_LB);
  });

  step(F('07-consumer-johndoe.sh'), async () => {
    const r = await s().run(F('07-consumer-johndoe.sh'));
    return report(r, adminWrite(r, 201, '/apisix/consumers/johndoe', 'username', 'johndoe'));
  });
  step(F('08-cred-johndoe.sh'), async () => {
    const r = await s().run(F('08-cred-johndoe.sh'));
    return report(r, adminWrite(r, 201, '/apisix/consumers/johndoe/credentials/cred-john-key-auth', 'id', 'cred-john-key-auth'));
  });
  step(F('09-consumer-janedoe.sh'), async () => {
    const r = await s().run(F('09-consumer-janedoe.sh'));
    const d = adminWrite(r, 200, '/apisix/consumers/johndoe', 'username', 'johndoe');
    d.push(...fields(json(r).body, { 'value.plugins.ai-rate-limiting.instances.0.name': 'deepseek-instance' }));
    return report(
      r,
      d,
      'doc bug run as printed: "janedoe" is created with "username": "johndoe", so it overwrites johndoe (200, not 201)',
    );
  });
  step(F('10-cred-janedoe.sh'), async () => {
    const r = await s().run(F('10-cred-janedoe.sh'));
    return report(
      r,
      adminError(r, 404, { error_msg: 'consumer not found' }),
      'knock-on of the janedoe doc bug: consumer janedoe does not exist',
    );
  });
  step(F('11-consumer-route.sh'), async () => {
    const r = await s().run(F('11-consumer-route.sh'));
    const body = curlBody(r.script, s().vars);
    return report(
      r,
      adminError(r, 400, {
        error_msg: `invalid request body: ${cjsonError(body, 'colon', 'invalid token', 'instance_health_and_rate_limiting')}`,
        req_body: body,
      }),
      'doc bug run as printed (same invalid fallback_strategy line)',
    );
  });
  step(F('12-no-key.sh'), async () => {
    const r = await s().run(F('12-no-key.sh'));
    const d = statuses(r, [200]);
    if (!r.stdout.startsWith('HTTP/1.1 200 OK\r\n'))
      d.push(`status line: expected "HTTP/1.1 200 OK", got ${clip(r.stdout.split('\r\n')[0])}`);
    return report(r, d, `${STILL_LB}; key-auth is not on it, so no 401 (the newest doc's fixed route gives 401)`);
  });
  for (const n of ['13-john-1.sh', '14-john-2.sh', '15-jane-1.sh', '16-jane-2.sh']) {
    step(F(n), async () => {
      const r = await s().run(F(n));
      return report(r, servedByLbRoute(r), STILL_LB);
    });
  }

  step(F('17-max-tokens-route.sh'), async () => {
    const r = await s().run(F('17-max-tokens-route.sh'));
    return report(r, adminWrite(r, 200, ROUTE_KEY, 'id', 'ai-proxy-multi-route'));
  });
  step(F('18-max-tokens-post.sh'), async () => {
    const r = await s().run(F('18-max-tokens-post.sh'));
    const { body, diffs } = json(r);
    const by = servedBy(body);
    const want =
      by === 'deepseek'
        ? { content: TRUNCATED.deepseek, usage: [10, 100, 110], max: 100, model: 'deepseek-chat' }
        : { content: TRUNCATED.openai, usage: [20, 50, 70], max: 50, model: 'gpt-4' };
    const up = r.upstream.filter((u) => u.method === 'POST');
    return report(r, [
      ...statuses(r, [200]),
      ...diffs,
      ...(by === 'unknown' ? [`model: expected gpt-4-0613 or deepseek-chat, got ${clip(at(body, 'model'))}`] : []),
      ...fields(body, {
        'choices.0.message.content': want.content,
        'choices.0.finish_reason': 'length',
        'usage.prompt_tokens': want.usage[0],
        'usage.completion_tokens': want.usage[1],
        'usage.total_tokens': want.usage[2],
      }),
      ...(up.length === 1
        ? fields(up[0]?.json, { model: want.model, max_tokens: want.max }, 'upstream body')
        : [`upstream calls: expected 1, got ${up.length}`]),
    ]);
  });

  step(F('19-embeddings-route.sh'), async () => {
    const r = await s().run(F('19-embeddings-route.sh'));
    return report(r, adminWrite(r, 200, ROUTE_KEY, 'id', 'ai-proxy-multi-route'));
  });
  step(F('20-embeddings-post.sh'), async () => {
    const r = await s().run(F('20-embeddings-post.sh'));
    return report(
      r,
      adminError(r, 404, { error_msg: '404 Route Not Found' }),
      'doc bug run as printed: the route matches uri /anything but the request goes to /embeddings (APISIX: 404 Route Not Found); see derived:embeddings-via-anything',
    );
  });
  step('derived:embeddings-via-anything', async () => {
    const r = await s().runDerived(
      'derived:embeddings-via-anything',
      'Proxy to Embedding Models',
      `curl -s "http://127.0.0.1:9080/anything" -X POST -H "Content-Type: application/json" -d '{"input": "hello world"}'`,
    );
    const { body, diffs } = json(r);
    const up = r.upstream.filter((u) => u.method === 'POST')[0];
    const viaOpenai = up?.host === 'api.openai.com';
    return report(
      r,
      [
        ...statuses(r, [200]),
        ...diffs,
        ...fields(body, {
          object: 'list',
          'data.0.object': 'embedding',
          'data.0.index': 0,
          model: 'text-embedding-3-small',
          usage: { prompt_tokens: 2, total_tokens: 2 },
        }),
        ...(up
          ? viaOpenai
            ? fields(up, { url: '/v1/embeddings', 'headers.authorization': `Bearer ${TEST_KEYS.OPENAI_API_KEY}` }, 'upstream')
            : fields(
                up,
                {
                  host: 'ai-plugin-developer.openai.azure.com',
                  url: '/openai/deployments/text-embedding-3-small/embeddings?api-version=2023-05-15',
                  'headers.authorization': `Bearer ${TEST_KEYS.AZ_OPENAI_API_KEY}`,
                },
                'upstream',
              )
          : ['no upstream call']),
      ],
      'nearest runnable form of the doc request: same body, sent to the uri the doc route matches',
    );
  });

  step(F('21-health-route.sh'), async () => {
    const r = await s().run(F('21-health-route.sh'));
    return report(r, adminWrite(r, 200, ROUTE_KEY, 'id', 'ai-proxy-multi-route'));
  });
  step('derived:health-probe', async () => {
    // The doc's instances have no endpoint (openai-compatible needs override.endpoint), so its
    // checker has no node to probe: same instances and checks block, plus an endpoint on yourhost.com.
    const endpoint = '"override": { "endpoint": "https://yourhost.com/v1/chat/completions" }';
    const inst = (name: string, extra = ''): string =>
      `{ "name": "${name}", "provider": "openai-compatible", "weight": 0, "auth": { "header": { "Authorization": "Bearer '"$YOUR_LLM_API_KEY"'" } }, "options": { "model": "'"$YOUR_LLM_MODEL"'" }, ${endpoint}${extra} }`;
    const checks =
      ', "checks": { "active": { "type": "https", "host": "yourhost.com", "http_path": "/your/probe/path", "healthy": { "interval": 2, "successes": 1 }, "unhealthy": { "interval": 1, "http_failures": 3 } } }';
    const route = `curl "http://127.0.0.1:9180/apisix/admin/routes" -X PUT -H "X-API-KEY: \${admin_key}" -d '{ "id": "ai-proxy-multi-route", "uri": "/anything", "methods": ["POST"], "plugins": { "ai-proxy-multi": { "instances": [ ${inst('llm-instance-1')}, ${inst('llm-instance-2', checks)} ] } } }'`;
    const put = await s().runDerived('derived:health-probe', 'Enable Active Health Checks', route);
    const mark = s().providers.requests.length;
    const post = await s().runDerived(
      'derived:health-probe',
      'Enable Active Health Checks',
      `curl -s "http://127.0.0.1:9080/anything" -X POST -H "Content-Type: application/json" -d '{"messages":[{"role":"user","content":"What is 1+1?"}]}'`,
    );
    await new Promise((res) => setTimeout(res, 5000));
    const probes = s()
      .providers.since(mark)
      .filter((q) => q.method === 'GET');
    const d = [...adminWrite(put, 200, ROUTE_KEY, 'id', 'ai-proxy-multi-route'), ...statuses(post, [200])];
    if (!probes.some((p) => p.url === '/your/probe/path' && p.headers.host === 'yourhost.com')) {
      d.push(
        `probes: expected GET /your/probe/path with Host yourhost.com within 5s, got ${probes.length ? probes.map((p) => `${p.headers.host}${p.url}`).join(', ') : 'none'}`,
      );
    }
    return report(
      { id: 'derived:health-probe', doc: DOC, section: 'Enable Active Health Checks' },
      d,
      'the doc block plus an override.endpoint on both instances so the checker has a node; one request starts the checker (as APISIX creates checkers lazily)',
    );
  });

  step(F('22-access-log-format.yaml'), async () => {
    const format = formatFromYaml(LOG_YAML);
    const got = await accessLogLine(
      s().stack.accessLog,
      format,
      (f) => f.request_type === 'ai_chat' && f.llm_model === 'gpt-4' && f.llm_prompt_tokens === '23',
    );
    const e = { id: F('22-access-log-format.yaml'), doc: DOC, section: 'Include LLM Information in Access Log' };
    if (!got.fields)
      return report(e, [
        `no line for an OpenAI "What is 1+1?" request matches the doc format; last lines: ${got.lines.slice(-3).join(' | ') || '(access.log empty or missing)'}`,
      ]);
    return report(
      e,
      diffFields(got.fields, {
        remote_addr: '127.0.0.1',
        remote_user: '-',
        time_local: /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}$/,
        http_host: '127.0.0.1:9080',
        request_line: 'POST /anything HTTP/1.1',
        status: '200',
        body_bytes_sent: /^\d+$/,
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
      "checked on the load-balancing loop's OpenAI requests; Portico started with the snippet instead of a reload",
    );
  });
});
