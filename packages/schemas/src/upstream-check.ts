/**
 * Upstream checks beyond JSON schema (apisix/upstream.lua check_upstream_conf, admin side).
 * Validates a COPY-free conf in place (defaults applied), so callers pass a deep copy.
 */
import { isIPv6 } from 'node:net';
import type { JsonSchema } from '@portico/plugin-sdk';
import {
  upstreamHashHeaderSchema,
  upstreamHashVarsCombinationsSchema,
  upstreamHashVarsSchema,
  upstreamSchema,
} from './resources/upstream.js';
import { compileSchema } from './validator/compile.js';

/** Port of a `host:port` nodes-map key (core.utils.parse_addr), undefined when absent. */
export function parseAddrPort(addr: string): number | undefined {
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']');
    const rest = end >= 0 ? addr.slice(end + 1) : '';
    return rest.startsWith(':') && /^:\d+$/.test(rest) ? Number(rest.slice(1)) : undefined;
  }
  if (isIPv6(addr)) return undefined;
  const i = addr.lastIndexOf(':');
  if (i < 0) return undefined;
  const p = addr.slice(i + 1);
  return /^-?\d+$/.test(p) ? Number(p) : undefined;
}

function chashKeySchema(hashOn: unknown): { schema?: JsonSchema; err?: string } {
  if (hashOn === undefined || hashOn === null) return { err: 'hash_on is nil' };
  if (hashOn === 'vars') return { schema: upstreamHashVarsSchema };
  if (hashOn === 'header' || hashOn === 'cookie') return { schema: upstreamHashHeaderSchema };
  if (hashOn === 'consumer') return {};
  if (hashOn === 'vars_combinations') return { schema: upstreamHashVarsCombinationsSchema };
  return { err: `invalid hash_on type ${String(hashOn)}` };
}

/**
 * Full admin-side upstream check; returns APISIX's message. Schema failures carry the
 * `invalid configuration: ` prefix, the semantic ones (`missing key`, `invalid port N`) do not.
 * The `tls.client_cert_id` ssl lookup is the caller's job (it needs the store).
 */
export function checkUpstream(conf: Record<string, unknown>): string | undefined {
  const nodes = conf.nodes;
  if (Array.isArray(nodes)) {
    for (const n of nodes) {
      const host = (n as Record<string, unknown> | null)?.host;
      if (typeof host === 'string' && isIPv6(host)) {
        return "invalid configuration: IPv6 address must be enclosed with '[' and ']'";
      }
    }
  }
  const err = compileSchema(upstreamSchema)(conf);
  if (err !== undefined) return `invalid configuration: ${err}`;
  if (nodes && typeof nodes === 'object' && !Array.isArray(nodes)) {
    for (const addr of Object.keys(nodes)) {
      const port = parseAddrPort(addr);
      if (port !== undefined && (port < 1 || port > 65535)) return `invalid port ${port}`;
    }
  }
  if (conf.pass_host === 'rewrite' && (conf.upstream_host === undefined || conf.upstream_host === '')) {
    return "`upstream_host` can't be empty when `pass_host` is `rewrite`";
  }
  if (conf.type !== 'chash') return undefined;
  if (conf.hash_on !== 'consumer' && conf.key === undefined) return 'missing key';
  const ks = chashKeySchema(conf.hash_on);
  if (ks.err) return `type is chash, err: ${ks.err}`;
  if (ks.schema) {
    const kerr = compileSchema(ks.schema)(conf.key);
    if (kerr !== undefined) return `invalid configuration: ${kerr}`;
  }
  return undefined;
}
