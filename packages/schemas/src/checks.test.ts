import { describe, expect, it } from 'vitest';
import type { PluginDefinition } from '@portico/plugin-sdk';
import { checkPluginConf, checkPlugins } from './plugin-check.js';
import { injectMeta, INJECTED_COMMENT } from './meta.js';
import { checkUpstream } from './upstream-check.js';
import { checkVars } from './vars.js';

const keyAuth: PluginDefinition = {
  name: 'key-auth',
  priority: 2500,
  type: 'auth',
  schema: { type: 'object', properties: { header: { type: 'string', default: 'apikey' } } },
  consumerSchema: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] },
};

describe('checkUpstream', () => {
  it('returns APISIX semantic errors', () => {
    expect(checkUpstream({ type: 'chash', nodes: { '127.0.0.1:80': 1 } })).toBe('missing key');
    expect(checkUpstream({ nodes: [{ host: '::1', port: 80, weight: 1 }] })).toBe(
      "invalid configuration: IPv6 address must be enclosed with '[' and ']'",
    );
    expect(checkUpstream({ nodes: { '127.0.0.1:70000': 1 } })).toBe('invalid port 70000');
    expect(checkUpstream({ nodes: {}, pass_host: 'rewrite' })).toBe(
      "`upstream_host` can't be empty when `pass_host` is `rewrite`",
    );
    expect(checkUpstream({ nodes: {}, type: 'chash', key: 'not_support' })).toBe(
      'invalid configuration: failed to match pattern "^((uri|server_name|server_addr|request_uri|remote_port|remote_addr|query_string|host|hostname|mqtt_client_id)|arg_[0-9a-zA-z_-]+)$" with "not_support"',
    );
    expect(checkUpstream({ nodes: {}, type: 'chash', hash_on: 'consumer' })).toBeUndefined();
    expect(checkUpstream({ nodes: { '[::1]:80': 1 }, type: 'unknown' })).toBeUndefined();
  });
});

describe('checkVars', () => {
  it('rejects an invalid operator with the route message', () => {
    expect(checkVars([['arg_k', '=', 'v']])).toBe("failed to validate the 'vars' expression: invalid operator '='");
    expect(
      checkVars([
        ['arg_k', '==', 'v'],
        ['OR', ['a', '~~', 'x'], ['b', '!', 'in', ['c']]],
      ]),
    ).toBeUndefined();
    expect(checkVars(['arg_k', '==', 'v'])).toBe(
      "failed to validate the 'vars' expression: rule should be wrapped inside brackets",
    );
  });
});

describe('plugin checks', () => {
  it('injects _meta once and marks the schema', () => {
    const s = injectMeta(keyAuth.schema);
    expect(s.$comment).toBe(INJECTED_COMMENT);
    expect(Object.keys(s.properties as object)).toEqual(['header', '_meta']);
    expect(injectMeta(keyAuth.schema)).toBe(s);
    expect(keyAuth.schema.$comment).toBeUndefined();
  });
  it('validates consumer confs against the consumer schema and applies route defaults', () => {
    expect(checkPluginConf(keyAuth, {}, 'consumer')).toBe('property "key" is required');
    const conf: Record<string, unknown> = {};
    expect(checkPluginConf(keyAuth, conf, 'route')).toBeUndefined();
    expect(conf).toEqual({ header: 'apikey' });
    expect(checkPluginConf(keyAuth, { _meta: { x: 1 } }, 'route')).toBe(
      'property "_meta" validation failed: additional properties forbidden, found x',
    );
  });
  it('wraps plugin map errors like apisix/plugin.lua', () => {
    const lookup = (n: string) => (n === 'key-auth' ? keyAuth : undefined);
    expect(checkPlugins({ nope: {} }, lookup, 'route')).toBe('unknown plugin [nope]');
    expect(checkPlugins({ 'key-auth': 'x' }, lookup, 'route')).toBe('invalid plugin conf "x" for plugin [key-auth]');
    expect(checkPlugins({ 'key-auth': {} }, lookup, 'consumer')).toBe(
      'failed to check the configuration of plugin key-auth err: property "key" is required',
    );
    expect(checkPlugins({ 'key-auth': { _meta: { disable: true } } }, lookup, 'consumer')).toBeUndefined();
    expect(checkPlugins({ 'key-auth': { _meta: { filter: [['a', '=', 'b']] } } }, lookup, 'route')).toBe(
      "failed to validate the 'vars' expression: invalid operator '='",
    );
  });
});
