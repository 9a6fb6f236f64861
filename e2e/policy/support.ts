import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { expect } from 'vitest';
import type { PorticoApps } from '@portico/testkit';
import { adminRequest, eventually } from '../helpers.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * GET through node:http: sends exactly the given headers (no default User-Agent; an array
 * value is sent as several header lines, as `more_headers` in APISIX's tests).
 */
export function send(url: string, headers: Record<string, string | string[]> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** PUT a resource through the Admin API and expect 200/201. */
export async function put(apps: PorticoApps, path: string, body: unknown): Promise<void> {
  const r = await adminRequest(apps, 'PUT', `/apisix/admin/${path}`, body);
  expect([200, 201], r.text).toContain(r.status);
}

/** The Admin API's refusal of a route carrying `plugins`: status and exact body. */
export async function refusal(apps: PorticoApps, plugins: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const r = await adminRequest(apps, 'PUT', '/apisix/admin/routes/refused', { uri: '/refused', plugins });
  return { status: r.status, text: r.text };
}

/** `{"error_msg":"failed to check the configuration of plugin <name> err: <err>"}` + newline, as APISIX answers. */
export function pluginError(name: string, err: string): string {
  return `${JSON.stringify({ error_msg: `failed to check the configuration of plugin ${name} err: ${err}` })}\n`;
}

/** Wait until `path` on the data plane answers `status` (config propagates through etcd). */
export function until(url: string, status: number, headers: Record<string, string | string[]> = {}): Promise<Answer> {
  return eventually(async () => {
    const r = await send(url, headers);
    expect(r.status).toBe(status);
    return r;
  });
}

/** The first access-log line containing `pattern`. */
export function waitForLine(file: string, pattern: string): Promise<string> {
  return eventually(async () => {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const line = text.split('\n').find((l) => l.includes(pattern));
    if (!line) throw new Error(`no line with ${pattern} in ${file}`);
    return line;
  }, 5000);
}
