import { gzipSync } from 'node:zlib';
import type { ResponseHead } from '@portico/plugin-sdk';
import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { decodeNgxBase64 } from './base64.js';
import { responseRewrite } from './index.js';
import type { ResponseRewriteConf } from './schema.js';

const check = (conf: Record<string, unknown>) => checkPluginConf(responseRewrite, conf, 'route');

/** Header filter then body filter over `chunks` (last call eof), like the pipeline. */
function run(
  conf: Record<string, unknown>,
  upstream: { status?: number; headers?: ResponseHead['headers']; chunks?: (string | Buffer)[] },
  vars: Record<string, string> = {},
) {
  const c = { ...conf };
  expect(check(c)).toBeUndefined();
  const ctx = fakeContext({ method: 'GET' });
  for (const [k, v] of Object.entries(vars)) ctx.vars.set(k, v);
  const s = responseRewrite.prepare!(c as unknown as ResponseRewriteConf, undefined as never);
  const head: ResponseHead = { status: upstream.status ?? 200, headers: { ...(upstream.headers ?? {}) } };
  responseRewrite.headerFilter!(ctx, s, head);
  const out: Buffer[] = [];
  const chunks = upstream.chunks ?? [];
  chunks.forEach((ch) => {
    const b = Buffer.from(ch);
    out.push(Buffer.from(responseRewrite.bodyFilter!(ctx, s, b, false) ?? b));
  });
  out.push(Buffer.from(responseRewrite.bodyFilter!(ctx, s, new Uint8Array(0), true) ?? new Uint8Array(0)));
  return { head, body: Buffer.concat(out).toString() };
}

describe('response-rewrite schema', () => {
  it('has priority 899 and defaults', () => {
    expect(responseRewrite.priority).toBe(899);
    const c: Record<string, unknown> = { body: 'x' };
    expect(check(c)).toBeUndefined();
    expect(c).toEqual({ body: 'x', body_base64: false, max_resp_body_size: 67108864 });
  });
  it('rejects what APISIX rejects', () => {
    expect(check({ status_code: 100 })).toMatch(/^property "status_code" validation failed: expected 100 to be at least 200/);
    expect(check({ body: 'x', filters: [{ regex: 'a', replace: 'b' }] })).toMatch(
      /^failed to validate dependent schema for "(body|filters)"/,
    );
    expect(check({ body: '!!', body_base64: true })).toBe('invalid base64 content');
    expect(check({ body_base64: true })).toBe('invalid base64 content');
    expect(check({ vars: [['arg_a', 'nope', 1]] })).toBe("failed to validate the 'vars' expression: invalid operator 'nope'");
    expect(check({ filters: [{ regex: '(', replace: '' }] })).toMatch(/^regex "\(" validation failed: pcre_compile\(\) failed/);
    expect(check({ headers: { add: ['X-A: 1'], set: { 'X-B': 2 }, remove: ['X-C'] } })).toBeUndefined();
    expect(check({ headers: { add: ['bad'] } })).toMatch(/^property "headers" validation failed: /);
    // response-rewrite.t TEST 10 / 11
    expect(check({ status_code: 200, headers: { '': 2 } })).toBe('invalid field length in header');
    expect(check({ status_code: 200, headers: { 'X-Name': {} } })).toBe('invalid type as header value');
  });
  it('decodes base64 as ngx.decode_base64', () => {
    expect(decodeNgxBase64('SGVsbG8=')?.toString()).toBe('Hello');
    expect(decodeNgxBase64('SGVsbG8')?.toString()).toBe('Hello');
    expect(decodeNgxBase64('S')).toBeUndefined();
    expect(decodeNgxBase64('SG$s')).toBeUndefined();
  });
});

describe('response-rewrite header filter', () => {
  it('sets the status and add/set/remove headers with $vars; body edits drop length, encoding and validators', () => {
    const { head, body } = run(
      {
        status_code: 403,
        body: 'new body\n',
        headers: { add: ['X-Add: $arg_a', 'X-Add: two'], set: { 'X-Set': 1 }, remove: ['X-Gone'] },
      },
      { headers: { 'content-length': '5', etag: '"e"', 'last-modified': 'x', 'x-gone': 'g', 'x-set': 'old' }, chunks: ['hello'] },
      { arg_a: 'A' },
    );
    expect(head.status).toBe(403);
    expect(head.headers).toEqual({ 'x-add': ['A', 'two'], 'x-set': '1' });
    expect(body).toBe('new body\n');
  });
  it('a set value resolving to "" removes the header, as ngx.header does', () => {
    expect(run({ headers: { set: { 'X-Gone': '$arg_none' } } }, { headers: { 'x-gone': 'up' } }).head.headers).toEqual({});
  });
  it('the flat headers form sets values', () => {
    expect(run({ headers: { 'X-Server-Id': 3, 'X-Status': 'on' } }, {}).head.headers).toEqual({
      'x-server-id': '3',
      'x-status': 'on',
    });
  });
  it('does nothing when vars do not match', () => {
    const { head, body } = run(
      { vars: [['status', '==', 500]], status_code: 200, body: 'x' },
      { status: 404, chunks: ['orig'] },
      { status: '404' },
    );
    expect(head.status).toBe(404);
    expect(body).toBe('orig');
  });
});

describe('response-rewrite body', () => {
  it('body_base64 sends the decoded bytes', () => {
    expect(run({ body: 'SGVsbG8gV29ybGQK', body_base64: true }, { chunks: ['a', 'b'] }).body).toBe('Hello World\n');
  });
  it('filters replace once or globally over the whole body, across chunks', () => {
    const conf = {
      filters: [
        { regex: 'l', replace: 'L', scope: 'global' },
        { regex: '(w)or', replace: '$1OR' },
      ],
    };
    expect(run(conf, { chunks: ['hello ', 'world, hello world'] }).body).toBe('heLLo wORLd, heLLo worLd');
  });
  it('filters see gzip bodies decoded and the response is sent decoded', () => {
    const { head, body } = run(
      { filters: [{ regex: 'secret', replace: '******' }] },
      { headers: { 'content-encoding': 'gzip' }, chunks: [gzipSync('my secret')] },
    );
    expect(head.headers['content-encoding']).toBeUndefined();
    expect(body).toBe('my ******');
  });
  it('an empty body replaces the body with nothing (TEST 25/26)', () => {
    expect(run({ body: '' }, { chunks: ['hello world\n'] }).body).toBe('');
  });
  it('truncates to max_resp_body_size before filtering (TEST 28/29)', () => {
    const conf = { max_resp_body_size: 5, filters: [{ regex: 'hello', scope: 'once', replace: 'HELLO' }] };
    expect(run(conf, { chunks: ['hello world\n'] }).body).toBe('HELLO');
  });
  it('caps the buffered body at max_resp_body_size', () => {
    const conf = { max_resp_body_size: 4, filters: [{ regex: 'a', replace: 'b', scope: 'global' }] };
    expect(run(conf, { chunks: ['aa', 'aaaa', 'aa'] }).body).toBe('bbbb');
  });
});
