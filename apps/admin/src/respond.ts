/** Response construction with APISIX admin headers (apisix/init.lua http_admin, core/response.lua). */
import type { PorticoConf } from '@portico/conf';
import { CORS_HEADERS } from './cors.js';

/** Version announced in `Server:`; ADC derives its feature set from it (api7/adc backend-apisix). */
export const APISIX_VERSION = '3.16.0';

export class Responder {
  private readonly base: Record<string, string>;
  private readonly apiVersion: string;

  constructor(conf: PorticoConf) {
    const admin = conf.deployment.admin;
    this.base = {
      Server: conf.apisix.enableServerTokens ? `APISIX/${APISIX_VERSION}` : 'APISIX',
      ...(admin.enableAdminCors ? CORS_HEADERS : {}),
    };
    this.apiVersion = admin.adminApiVersion === 'v3' ? 'v3' : 'v2';
  }

  /** JSON objects are encoded followed by "\n"; strings are written raw; undefined → empty body. */
  json(status: number, body: unknown, versioned: boolean): Response {
    const headers: Record<string, string> = { ...this.base, 'Content-Type': 'application/json' };
    if (versioned) headers['X-API-VERSION'] = this.apiVersion;
    const text = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body) + '\n';
    return new Response(text, { status, headers });
  }

  /** A response with its own content type (nginx error pages, CORS preflight). */
  raw(status: number, body: string | null, headers: Record<string, string>): Response {
    return new Response(body, { status, headers: { ...this.base, ...headers } });
  }
}
