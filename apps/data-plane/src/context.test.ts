import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsumerDirectory } from '@portico/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { RequestCtx } from './context.js';
import { silentLogger } from './logging/logger.js';
import { hasBadEscape, normalizePath } from './uri.js';

function ctxFor(url: string, headers: Record<string, string> = {}, method = 'GET'): RequestCtx {
  const req = {
    method,
    url,
    headers: { ...headers },
    httpVersion: '1.1',
    socket: { remoteAddress: '::ffff:10.0.0.7', remotePort: 51000, localPort: 9080, localAddress: '127.0.0.1' },
  } as unknown as IncomingMessage;
  const dir: ConsumerDirectory = { findByAuth: () => undefined, findCredential: () => undefined, byUsername: () => undefined };
  return new RequestCtx(req, {} as ServerResponse, dir, silentLogger);
}

describe('RequestCtx vars', () => {
  const c = ctxFor('/a%20b/../c?x=1&y=hello%20world&x=2&flag', {
    host: 'API.Example.com:8080',
    'x-api-key': 'k',
    cookie: 'sid=abc; theme=dark',
    authorization: 'Basic ' + Buffer.from('alice:secret').toString('base64'),
  });
  it.each([
    ['uri', '/c'],
    ['request_uri', '/a%20b/../c?x=1&y=hello%20world&x=2&flag'],
    ['args', 'x=1&y=hello%20world&x=2&flag'],
    ['arg_x', '1'],
    ['arg_y', 'hello world'],
    ['arg_flag', ''],
    ['arg_missing', undefined],
    ['http_x_api_key', 'k'],
    ['http_host', 'API.Example.com:8080'],
    ['cookie_theme', 'dark'],
    ['cookie_none', undefined],
    ['host', 'api.example.com'],
    ['server_port', '9080'],
    ['remote_addr', '10.0.0.7'],
    ['remote_port', '51000'],
    ['request_method', 'GET'],
    ['scheme', 'http'],
    ['request_line', 'GET /a%20b/../c?x=1&y=hello%20world&x=2&flag HTTP/1.1'],
    ['remote_user', 'alice'],
    ['request_type', 'traditional_http'],
    ['request_llm_model', ''],
    ['llm_model', ''],
    ['llm_time_to_first_token', '0'],
    ['llm_prompt_tokens', '0'],
    ['llm_completion_tokens', '0'],
    ['route_id', undefined],
    ['upstream_status', undefined],
  ])('%s = %j', (name, value) => {
    expect(c.vars.get(name)).toBe(value);
  });

  it('gives a 32-hex request id, the same for request_id and apisix_request_id', () => {
    const id = c.vars.get('request_id');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(c.vars.get('apisix_request_id')).toBe(id);
  });

  it('lets plugins set and clear variables, and apisix_upstream_response_time follows upstream_response_time', () => {
    const x = ctxFor('/');
    x.upstream.exchange('http', '/');
    x.upstream.attempt('a:80', 'a');
    x.upstream.finished(12);
    expect(x.vars.get('apisix_upstream_response_time')).toBe('0.012');
    x.vars.set('apisix_upstream_response_time', 5);
    expect(x.vars.get('apisix_upstream_response_time')).toBe('5');
    x.vars.set('llm_model', 'gpt-4o');
    expect(x.vars.get('llm_model')).toBe('gpt-4o');
    x.vars.set('llm_model', undefined);
    expect(x.vars.get('llm_model')).toBeUndefined();
  });

  it('re-reads arg_* after a plugin rewrote the query', () => {
    const x = ctxFor('/?apikey=1&a=2');
    expect(x.vars.get('arg_apikey')).toBe('1');
    x.rawQuery = 'a=2';
    expect(x.vars.get('arg_apikey')).toBeUndefined();
    expect(x.vars.get('args')).toBe('a=2');
  });

  it('reflects header mutations in http_* and sets consumer headers on attach', () => {
    const x = ctxFor('/', { 'x-credential-identifier': 'forged' });
    x.attachConsumer({ username: 'jack', plugins: {}, key: '/apisix/consumers/jack', labels: { custom_id: '7' } });
    expect(x.vars.get('consumer_name')).toBe('jack');
    expect(x.vars.get('http_x_consumer_username')).toBe('jack');
    expect(x.headers['x-credential-identifier']).toBeUndefined();
    expect(x.headers['x-consumer-custom-id']).toBe('7');
  });
});

describe('normalizePath', () => {
  it.each([
    ['/plain/path', '/plain/path'],
    ['/a//b', '/a/b'],
    ['/a/./b/', '/a/b/'],
    ['/a/b/..', '/a/'],
    ['/../x', '/x'],
    ['/%7Euser/%2e%2e/y', '/y'],
    ['/a%C3%28/%2e%2e/b', '/b'],
    ['/caf%C3%A9', '/café'],
  ])('%s → %s', (raw, uri) => {
    expect(normalizePath(raw)).toBe(uri);
  });

  it('flags a % not followed by two hex digits, as nginx answers 400 for it', () => {
    expect(hasBadEscape('/bad%zz')).toBe(true);
    expect(hasBadEscape('/end%')).toBe(true);
    expect(hasBadEscape('/ok%2Fx')).toBe(false);
    expect(hasBadEscape('/plain')).toBe(false);
  });
});
