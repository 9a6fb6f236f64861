/** Admin token check (apisix/admin/init.lua check_token). */
import type { PorticoConf } from '@portico/conf';

/** Read a cookie value by name (case-insensitive name match, like nginx $cookie_*). */
function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim().toLowerCase() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface TokenSource {
  method: string;
  query: URLSearchParams;
  header(name: string): string | undefined;
}

/**
 * Returns the 401 `description` ("missing apikey", "wrong apikey", "invalid method for role
 * viewer") or undefined when the request may proceed. Token order: `?api_key=`, `X-API-KEY`
 * header, `X-API-KEY` cookie (nginx $cookie_x_api_key).
 */
export function checkToken(conf: PorticoConf, req: TokenSource): string | undefined {
  const admin = conf.deployment.admin;
  if (!admin.adminKeyRequired || admin.adminKey.length === 0) return undefined;
  const cookies = req.header('cookie');
  const token =
    req.query.get('api_key') ?? req.header('x-api-key') ?? cookie(cookies, 'x_api_key') ?? cookie(cookies, 'x-api-key');
  if (token === undefined) return 'missing apikey';
  const row = admin.adminKey.find((k) => k.key === token);
  if (!row) return 'wrong apikey';
  if (row.role === 'viewer' && req.method !== 'GET') return 'invalid method for role viewer';
  return undefined;
}
