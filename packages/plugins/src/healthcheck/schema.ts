import type { JsonSchema } from '@portico/plugin-sdk';

const statusList = (def: number[]) => ({
  type: 'array',
  minItems: 1,
  items: { type: 'integer', minimum: 200, maximum: 599 },
  uniqueItems: true,
  default: def,
});
const counter = (def: number) => ({ type: 'integer', minimum: 1, maximum: 254, default: def });

/** apisix/schema_def.lua `health_checker_active` (3.16), key order kept for error parity. */
export const healthCheckerActiveSchema: JsonSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['http', 'https', 'tcp'], default: 'http' },
    timeout: { type: 'number', default: 1 },
    concurrency: { type: 'integer', default: 10 },
    host: { type: 'string', pattern: '^\\*$|^\\*?[0-9a-zA-Z-._\\[\\]:]+$' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    http_path: { type: 'string', default: '/' },
    https_verify_certificate: { type: 'boolean', default: true },
    healthy: {
      type: 'object',
      properties: {
        interval: { type: 'integer', minimum: 1, default: 1 },
        http_statuses: statusList([200, 302]),
        successes: counter(2),
      },
    },
    unhealthy: {
      type: 'object',
      properties: {
        interval: { type: 'integer', minimum: 1, default: 1 },
        http_statuses: statusList([429, 404, 500, 501, 502, 503, 504, 505]),
        http_failures: counter(5),
        tcp_failures: counter(2),
        timeouts: counter(3),
      },
    },
    req_headers: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', uniqueItems: true },
    },
  },
};

/** `checks.active` as configured (any field may be missing; the checker fills APISIX's defaults). */
export interface ActiveCheckConf {
  type?: 'http' | 'https' | 'tcp';
  timeout?: number;
  concurrency?: number;
  host?: string;
  port?: number;
  http_path?: string;
  https_verify_certificate?: boolean;
  healthy?: { interval?: number; http_statuses?: number[]; successes?: number };
  unhealthy?: {
    interval?: number;
    http_statuses?: number[];
    http_failures?: number;
    tcp_failures?: number;
    timeouts?: number;
  };
  req_headers?: string[];
}

/** `checks.active` with every default filled in (resty.healthcheck defaults = APISIX's). */
export interface ResolvedActiveCheck {
  type: 'http' | 'https' | 'tcp';
  timeoutMs: number;
  host: string | undefined;
  port: number | undefined;
  httpPath: string;
  verifyCertificate: boolean;
  healthy: { intervalMs: number; statuses: ReadonlySet<number>; successes: number };
  unhealthy: { intervalMs: number; statuses: ReadonlySet<number>; httpFailures: number; tcpFailures: number; timeouts: number };
  reqHeaders: readonly string[];
}

/** Fill defaults once (per config revision). */
export function resolveActiveCheck(c: ActiveCheckConf): ResolvedActiveCheck {
  return {
    type: c.type ?? 'http',
    timeoutMs: (c.timeout ?? 1) * 1000,
    host: c.host,
    port: c.port,
    httpPath: c.http_path ?? '/',
    verifyCertificate: c.https_verify_certificate ?? true,
    healthy: {
      intervalMs: (c.healthy?.interval ?? 1) * 1000,
      statuses: new Set(c.healthy?.http_statuses ?? [200, 302]),
      successes: c.healthy?.successes ?? 2,
    },
    unhealthy: {
      intervalMs: (c.unhealthy?.interval ?? 1) * 1000,
      statuses: new Set(c.unhealthy?.http_statuses ?? [429, 404, 500, 501, 502, 503, 504, 505]),
      httpFailures: c.unhealthy?.http_failures ?? 5,
      tcpFailures: c.unhealthy?.tcp_failures ?? 2,
      timeouts: c.unhealthy?.timeouts ?? 3,
    },
    reqHeaders: c.req_headers ?? [],
  };
}
