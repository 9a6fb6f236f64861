import { describe, expect, it } from 'vitest';
import { checkPluginConf } from '@portico/schemas';
import { fakeContext } from '../testing/fake-context.js';
import { ksuid, nanoid, rangeId, uuidv7 } from './ids.js';
import { requestId } from './index.js';
import { DEFAULT_CHAR_SET, requestIdDefinition, type RequestIdConf } from './schema.js';

const conf = (c: Partial<RequestIdConf> = {}): RequestIdConf => ({
  header_name: 'X-Request-Id',
  include_in_response: true,
  algorithm: 'uuid',
  range_id: { length: 16, char_set: DEFAULT_CHAR_SET },
  ...c,
});

describe('request-id ids', () => {
  it('nanoid: 21 symbols of the url-safe alphabet', () => {
    expect(nanoid()).toMatch(/^[-_0-9a-zA-Z]{21}$/);
  });
  it('range_id: length characters of char_set', () => {
    expect(rangeId(9, 'xy')).toMatch(/^[xy]{9}$/);
  });
  it('uuidv7: version 7, RFC variant, millisecond timestamp first', () => {
    const id = uuidv7(0x0123456789ab);
    expect(id).toMatch(/^01234567-89ab-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('ksuid: 27 base62 characters, ordered by time', () => {
    const a = ksuid(1_700_000_000_000);
    const b = ksuid(1_800_000_000_000);
    expect(a).toMatch(/^[0-9A-Za-z]{27}$/);
    expect(a < b).toBe(true);
  });
});

describe('request-id plugin', () => {
  it('has APISIX priority and schema defaults', () => {
    expect(requestIdDefinition.priority).toBe(12015);
    const c: Record<string, unknown> = {};
    expect(checkPluginConf(requestIdDefinition, c, 'route')).toBeUndefined();
    expect(c).toEqual({
      header_name: 'X-Request-Id',
      include_in_response: true,
      algorithm: 'uuid',
      range_id: { length: 16, char_set: DEFAULT_CHAR_SET },
    });
    expect(checkPluginConf(requestIdDefinition, { range_id: { char_set: 'abc' } }, 'route')).toBe(
      'property "range_id" validation failed: property "char_set" validation failed: string too short, expected at least 6, got 3',
    );
  });

  it('generates an id into the request headers and $apisix_request_id, and adds it to the response', () => {
    const state = requestId.prepare!(
      conf({ algorithm: 'range_id', range_id: { length: 6, char_set: 'zzzzzz' } }),
      undefined as never,
    );
    const ctx = fakeContext();
    requestId.rewrite!(ctx, state);
    expect(ctx.headers['x-request-id']).toBe('zzzzzz');
    expect(ctx.vars.get('apisix_request_id')).toBe('zzzzzz');
    const head = { status: 200, headers: {} as Record<string, string> };
    requestId.headerFilter!(ctx, state, head);
    expect(head.headers).toEqual({ 'x-request-id': 'zzzzzz' });
  });

  it("keeps a client id, and never replaces the upstream's response header", () => {
    const state = requestId.prepare!(conf(), undefined as never);
    const ctx = fakeContext({ headers: { 'x-request-id': 'abc' } });
    requestId.rewrite!(ctx, state);
    expect([ctx.headers['x-request-id'], ctx.vars.get('apisix_request_id')]).toEqual(['abc', 'abc']);
    const head = { status: 200, headers: { 'x-request-id': 'upstream' } as Record<string, string> };
    requestId.headerFilter!(ctx, state, head);
    expect(head.headers['x-request-id']).toBe('upstream');
  });

  it('an empty client header gets a generated id; include_in_response false adds nothing', () => {
    const state = requestId.prepare!(conf({ include_in_response: false }), undefined as never);
    const ctx = fakeContext({ headers: { 'x-request-id': '' } });
    requestId.rewrite!(ctx, state);
    expect(ctx.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const head = { status: 200, headers: {} as Record<string, string> };
    requestId.headerFilter!(ctx, state, head);
    expect(head.headers).toEqual({});
  });
});
