// Helpers of the limits e2e files: route setup through the Admin API and plain requests.
import { request } from 'node:http';
import { expect } from 'vitest';
import type { PorticoApps } from '@portico/testkit';
import { adminRequest, eventually } from '../helpers.js';

/**
 * PUT a route, then a plain probe route after it, and wait until every data plane serves the
 * probe: config arrives in etcd revision order, so the route is in place too, and no request
 * has touched the route's limits yet.
 */
export async function putRoute(apps: PorticoApps, id: string, body: Record<string, unknown>): Promise<void> {
  const res = await adminRequest(apps, 'PUT', `/apisix/admin/routes/${id}`, body);
  expect([200, 201], res.text).toContain(res.status);
  const probe = await adminRequest(apps, 'PUT', `/apisix/admin/routes/probe-${id}`, {
    uri: `/__probe/${id}`,
    upstream: body.upstream,
  });
  expect([200, 201], probe.text).toContain(probe.status);
  for (const dp of apps.dataPlanes) {
    await eventually(async () => {
      const r = await fetch(`${dp.url}/__probe/${id}`, { signal: AbortSignal.timeout(5000) });
      await r.arrayBuffer();
      expect(r.status).toBe(200);
    });
  }
}

/** One GET answered in full: status, lower-cased headers, body and how long it took. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  ms: number;
}

/** GET over a fresh connection (no keep-alive, so a pod's workers take turns). */
export function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.setTimeout(20_000, () => req.destroy(new Error(`timeout GET ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/** The quota headers of an answer, as APISIX names them by default. */
export function quota(a: Answer): [string | undefined, string | undefined] {
  return [a.headers['x-ratelimit-limit'] as string | undefined, a.headers['x-ratelimit-remaining'] as string | undefined];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
