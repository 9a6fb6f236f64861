// Helpers of the rewrite e2e files: raw HTTP calls (Origin, Host and repeated headers as sent),
// route setup that waits until the data plane serves the new revision, and test upstreams.
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { expect } from 'vitest';
import type { PorticoApps } from '@portico/testkit';
import { adminRequest, eventually, startUpstream, type Upstream } from '../helpers.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Header name → every value in arrival order (repeated headers kept apart). */
  rawHeaders: Map<string, string[]>;
  body: string;
  ms: number;
}

/** One HTTP call with node:http, so any header (Origin, Host) goes out as given. */
export function call(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const rawHeaders = new Map<string, string[]>();
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const k = res.rawHeaders[i]!.toLowerCase();
          rawHeaders.set(k, [...(rawHeaders.get(k) ?? []), res.rawHeaders[i + 1]!]);
        }
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          rawHeaders,
          body: Buffer.concat(chunks).toString(),
          ms: Date.now() - t0,
        });
      });
    });
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error('timeout')));
    req.end(opts.body);
  });
}

/** What the echo upstream saw. */
export interface Echoed {
  name: string;
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  body: string;
}

/**
 * PUT an Admin API object, then wait until the data plane answers `probe` with something other
 * than `notStatus` (404 by default: the route is not there yet).
 */
export async function putAndServe(
  apps: PorticoApps,
  path: string,
  body: unknown,
  probe?: { path: string; ready: (r: RawResponse) => boolean },
): Promise<void> {
  const res = await adminRequest(apps, 'PUT', path, body);
  expect([200, 201], res.text).toContain(res.status);
  if (probe === undefined) return;
  await eventually(async () => {
    const r = await call(`${apps.dataPlanes[0]!.url}${probe.path}`);
    expect(probe.ready(r), `${r.status} ${r.body}`).toBe(true);
  });
}

/**
 * An upstream with fixed answers: `/text` writes "hello world, hello world" in two chunks
 * (chunked), `/gzip` a gzip body, `/status/<n>` that status with a JSON body; anything else
 * echoes the request as JSON.
 */
export function startTestUpstream(): Promise<Upstream> {
  return startUpstream((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (path === '/text') {
        res.writeHead(200, { 'content-type': 'text/plain', etag: '"v1"' });
        res.write('hello world, ');
        setTimeout(() => res.end('hello world'), 10);
        return;
      }
      if (path === '/gzip') {
        const z = gzipSync('the secret is 42');
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': String(z.length) });
        res.end(z);
        return;
      }
      const m = /^\/status\/(\d+)$/.exec(path);
      if (m !== null) {
        res.writeHead(Number(m[1]), {
          'content-type': 'application/json',
          'access-control-allow-origin': 'http://upstream.example',
        });
        res.end('{"from":"upstream"}');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-upstream', 'echo');
      res.end(
        JSON.stringify({
          name: 'echo',
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
  });
}
