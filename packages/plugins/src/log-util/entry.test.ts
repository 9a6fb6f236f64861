import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loggerFakeContext } from '../testing/logger-fake-context.js';
import { buildLogEntry, captureResponseHead, prepareLogEntry, readRequestBodyForLog, SERVER_VERSION } from './entry.js';

const baseVars = {
  scheme: 'http',
  host: 'gw.test',
  server_port: '9080',
  request_uri: '/anything?a=1&api_key=sk-live&b=2',
  request_length: '85',
  bytes_sent: '617',
  upstream_addr: '10.0.0.2:80',
  upstream_response_time: '0.120',
  remote_addr: '192.168.65.1',
  service_id: '',
};

const llm = {
  llm_summary: {
    request_model: 'gpt-4o',
    model: 'gpt-4o',
    duration: 12,
    prompt_tokens: 3,
    completion_tokens: 5,
    upstream_response_time: 120,
  },
  llm_request: { messages: [{ role: 'user', content: 'hi' }], stream: false },
  llm_response_text: { content: 'hello' },
};

describe('buildLogEntry (full format)', () => {
  it('produces the APISIX full log shape with numbers where APISIX logs numbers', () => {
    const ctx = loggerFakeContext({
      method: 'POST',
      uri: '/anything',
      rawQuery: 'a=1&api_key=sk-live&b=2',
      headers: { host: 'gw.test:9080', 'user-agent': 'curl/8.6.0', accept: '*/*' },
      vars: baseVars,
      routeId: 'r1',
      consumer: 'jack',
      status: 201,
      elapsedMs: 500,
    });
    captureResponseHead(ctx, { status: 201, headers: { 'Content-Type': 'application/json', 'Set-Cookie': 's=1' } });
    const before = Date.now();
    const entry = buildLogEntry(ctx, prepareLogEntry({}))!;
    const { start_time, latency, apisix_latency, ...rest } = entry as Record<string, number>;
    expect(rest).toEqual({
      request: {
        url: 'http://gw.test:9080/anything?a=1&api_key=[REDACTED]&b=2',
        uri: '/anything?a=1&api_key=[REDACTED]&b=2',
        method: 'POST',
        headers: { host: 'gw.test:9080', 'user-agent': 'curl/8.6.0', accept: '*/*' },
        querystring: { a: '1', api_key: '[REDACTED]', b: '2' },
        size: 85,
      },
      response: { status: 201, headers: { 'content-type': 'application/json', 'set-cookie': '[REDACTED]' }, size: 617 },
      server: { hostname: hostname(), version: SERVER_VERSION },
      upstream: '10.0.0.2:80',
      service_id: '',
      route_id: 'r1',
      consumer: { username: 'jack' },
      client_ip: '192.168.65.1',
      upstream_latency: 120,
    });
    expect(latency).toBeGreaterThanOrEqual(500);
    expect(latency).toBeLessThan(5000);
    expect(apisix_latency).toBeCloseTo(latency! - 120, 6);
    expect(start_time).toBeGreaterThanOrEqual(before - latency! - 1);
    expect(start_time).toBeLessThanOrEqual(before - 499);
    expect(JSON.stringify(entry)).not.toContain('sk-live');
  });

  it('uses $host as service_id and leaves route_id unset when no route matched', () => {
    const ctx = loggerFakeContext({ vars: { host: 'gw.test' } });
    const entry = buildLogEntry(ctx, prepareLogEntry({}))!;
    expect(entry['service_id']).toBe('gw.test');
    expect(entry['route_id']).toBeUndefined();
    expect(entry['consumer']).toBeUndefined();
    expect(entry['upstream_latency']).toBeUndefined();
    expect(entry['apisix_latency']).toBe(entry['latency']);
  });

  it('appends llm_summary, llm_request and llm_response_text when ai-proxy logged both summaries and payloads', () => {
    const ctx = loggerFakeContext({ vars: baseVars, routeId: '1', logFields: llm });
    const entry = buildLogEntry(ctx, prepareLogEntry({}))!;
    expect(entry['llm_summary']).toEqual(llm.llm_summary);
    expect(entry['llm_request']).toEqual(llm.llm_request);
    expect(entry['llm_response_text']).toEqual({ content: 'hello' });
  });

  it('appends only llm_summary when ai-proxy logged summaries only', () => {
    const ctx = loggerFakeContext({ vars: baseVars, routeId: '1', logFields: { llm_summary: llm.llm_summary } });
    const entry = buildLogEntry(ctx, prepareLogEntry({}))!;
    expect(Object.keys(entry).filter((k) => k.startsWith('llm_'))).toEqual(['llm_summary']);
  });

  it('has no llm fields when ai-proxy logging is off', () => {
    const ctx = loggerFakeContext({ vars: baseVars, routeId: '1' });
    const entry = buildLogEntry(ctx, prepareLogEntry({}))!;
    expect(Object.keys(entry).filter((k) => k.startsWith('llm_'))).toEqual([]);
  });

  it('includes the request body, truncated to max_req_body_bytes, only once read in access', async () => {
    const ctx = loggerFakeContext({ method: 'POST', vars: baseVars, body: '{"env":"dev"}' });
    const plan = prepareLogEntry({ include_req_body: true, max_req_body_bytes: 5 });
    expect((buildLogEntry(ctx, plan) as { request: { body?: string } }).request.body).toBeUndefined();
    await readRequestBodyForLog(ctx, plan);
    expect((buildLogEntry(ctx, plan) as { request: { body?: string } }).request.body).toBe('{"env');
  });

  it('reads the request body only when include_req_body_expr matches', async () => {
    const plan = prepareLogEntry({ include_req_body: true, include_req_body_expr: [['arg_log_body', '==', 'yes']] });
    const yes = loggerFakeContext({ rawQuery: 'log_body=yes', body: 'B' });
    const no = loggerFakeContext({ rawQuery: 'log_body=no', body: 'B' });
    await readRequestBodyForLog(yes, plan);
    await readRequestBodyForLog(no, plan);
    expect((buildLogEntry(yes, plan) as { request: { body?: string } }).request.body).toBe('B');
    expect((buildLogEntry(no, plan) as { request: { body?: string } }).request.body).toBeUndefined();
  });

  it('redacts auth headers, cookies and headers named by auth plugins in effect', () => {
    const ctx = loggerFakeContext({
      headers: {
        host: 'gw.test',
        authorization: 'Bearer sk-1',
        'proxy-authorization': 'Basic eA==',
        apikey: 'k1',
        'x-api-key': 'k2',
        'api-key': 'k3',
        cookie: 'sid=abc',
        'x-custom-cred': 'k4',
        'x-trace': 'keep-me',
      },
      rawQuery: 'mycred=q1&key=q2&apikey=q3&page=2',
      plugins: { 'key-auth': { header: 'X-Custom-Cred', query: 'mycred' } },
      authPlugins: ['key-auth'],
    });
    const entry = buildLogEntry(ctx, prepareLogEntry({})) as {
      request: { headers: Record<string, string>; querystring: object };
    };
    expect(entry.request.headers).toEqual({
      host: 'gw.test',
      authorization: '[REDACTED]',
      'proxy-authorization': '[REDACTED]',
      apikey: '[REDACTED]',
      'x-api-key': '[REDACTED]',
      'api-key': '[REDACTED]',
      cookie: '[REDACTED]',
      'x-custom-cred': '[REDACTED]',
      'x-trace': 'keep-me',
    });
    expect(entry.request.querystring).toEqual({ mycred: '[REDACTED]', key: '[REDACTED]', apikey: '[REDACTED]', page: '2' });
  });

  it('adds log_format_extra keys without replacing default fields', () => {
    const ctx = loggerFakeContext({ vars: { ...baseVars, env: 'dev' }, routeId: '1' });
    const entry = buildLogEntry(ctx, prepareLogEntry({ log_format_extra: { env: '$env', route_id: 'nope', missing: '$nope' } }))!;
    expect(entry['env']).toBe('dev');
    expect(entry['route_id']).toBe('1');
    expect('missing' in entry).toBe(false);
  });
});

describe('buildLogEntry (custom log_format)', () => {
  it('resolves $vars, keeps constants, nests objects and appends route/service ids and llm fields', () => {
    const ctx = loggerFakeContext({
      vars: { ...baseVars, service_id: 's1', time_iso8601: '2024-06-13T15:19:34+00:00' },
      headers: { host: 'gw.test', env: 'dev' },
      routeId: 'r1',
      logFields: { llm_summary: llm.llm_summary },
    });
    const plan = prepareLogEntry({
      log_format: {
        host: '$host',
        '@timestamp': '$time_iso8601',
        env: '$http_env',
        kind: 'static',
        n: 7,
        nested: { ip: '$remote_addr' },
        gone: '$unset_var',
      },
    });
    expect(buildLogEntry(ctx, plan)).toEqual({
      host: 'gw.test',
      '@timestamp': '2024-06-13T15:19:34+00:00',
      env: 'dev',
      kind: 'static',
      n: 7,
      nested: { ip: '192.168.65.1' },
      service_id: 's1',
      route_id: 'r1',
      llm_summary: llm.llm_summary,
    });
  });

  it('redacts secret variables: $http_authorization, $cookie_*, secret $arg_* and query values in $request_uri', () => {
    const ctx = loggerFakeContext({
      headers: { host: 'gw.test', authorization: 'Bearer sk-1', 'x-ok': 'fine' },
      vars: { ...baseVars, cookie_sid: 'abc' },
      rawQuery: 'a=1&api_key=sk-live&b=2',
    });
    const plan = prepareLogEntry({
      log_format: {
        auth: '$http_authorization',
        ok: '$http_x_ok',
        sid: '$cookie_sid',
        k: '$arg_api_key',
        a: '$arg_a',
        uri: '$request_uri',
      },
    });
    expect(buildLogEntry(ctx, plan)).toEqual({
      auth: '[REDACTED]',
      ok: 'fine',
      sid: '[REDACTED]',
      k: '[REDACTED]',
      a: '1',
      uri: '/anything?a=1&api_key=[REDACTED]&b=2',
    });
  });

  it('logs $request_body from the body read in access', async () => {
    const ctx = loggerFakeContext({ body: 'hello world' });
    const plan = prepareLogEntry({ log_format: { body: '$request_body' }, max_req_body_bytes: 5 });
    await readRequestBodyForLog(ctx, plan);
    expect(buildLogEntry(ctx, plan)).toEqual({ body: 'hello' });
  });

  it('truncates log_format objects nested deeper than 5 levels to {}', () => {
    const ctx = loggerFakeContext({ vars: { x: '1' } });
    const plan = prepareLogEntry({ log_format: { a: { b: { c: { d: { e: { f: '$x' } } } } } } });
    expect(buildLogEntry(ctx, plan)).toEqual({ a: { b: { c: { d: { e: {} } } } } });
  });

  it('returns undefined when no match rule set matches (file-logger match)', () => {
    const plan = prepareLogEntry({ match: [[['arg_name', '==', 'jack']]] });
    expect(buildLogEntry(loggerFakeContext({ rawQuery: 'name=rose' }), plan)).toBeUndefined();
    expect(buildLogEntry(loggerFakeContext({ rawQuery: 'name=jack' }), plan)).toBeDefined();
  });
});
