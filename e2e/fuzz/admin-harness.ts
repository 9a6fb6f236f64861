/**
 * Drives hostile Admin API requests at a built admin over a real etcd and judges what is left:
 * status tallies, 5xx answers, transport errors, and every etcd key a data plane would refuse
 * (the shared `storedValueError` check, plus the data plane's own log of skipped items).
 */
import { readFileSync } from 'node:fs';
import { EtcdConfigStore } from '@portico/config-store';
import { classifyKey, isStoredObject, kindOf, storedValueError } from '@portico/schemas';
import type { PorticoApps } from '@portico/testkit';
import { request } from 'undici';
import type { FuzzRequest } from './admin-arbitraries.js';

export interface Answer {
  status: number;
  text: string;
}

export interface Tally {
  requests: number;
  byStatus: Record<string, number>;
  serverErrors: { method: string; path: string; body: string; status: number; text: string }[];
  transportErrors: { method: string; path: string; body: string; err: string }[];
}

export function newTally(): Tally {
  return { requests: 0, byStatus: {}, serverErrors: [], transportErrors: [] };
}

/** Send one request with the admin key; a transport failure is recorded, not thrown. */
export async function send(apps: PorticoApps, r: FuzzRequest, tally: Tally): Promise<Answer | undefined> {
  tally.requests++;
  const headers: Record<string, string> = { 'x-api-key': apps.adminKey };
  if (r.contentType !== undefined) headers['content-type'] = r.contentType;
  try {
    const res = await request(`${apps.adminUrl}${r.path}`, {
      method: r.method as 'GET',
      headers,
      body: r.body,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const text = await res.body.text();
    tally.byStatus[res.statusCode] = (tally.byStatus[res.statusCode] ?? 0) + 1;
    if (res.statusCode >= 500) {
      tally.serverErrors.push({
        method: r.method,
        path: r.path.slice(0, 200),
        body: r.label,
        status: res.statusCode,
        text: text.slice(0, 300),
      });
    }
    return { status: res.statusCode, text };
  } catch (e) {
    tally.transportErrors.push({ method: r.method, path: r.path.slice(0, 200), body: r.label, err: (e as Error).message });
    return undefined;
  }
}

export interface Refusal {
  key: string;
  reason: string;
}

/** Every etcd key of a known kind whose value the shared data-plane check refuses. */
export async function refusedByCheck(etcdEndpoint: string, prefix = '/apisix'): Promise<{ checked: number; refused: Refusal[] }> {
  const store = new EtcdConfigStore({ hosts: [etcdEndpoint], timeoutMs: 5000 });
  try {
    const { entries } = await store.list(`${prefix}/`);
    const refused: Refusal[] = [];
    let checked = 0;
    for (const kv of entries) {
      const where = classifyKey(prefix, kv.key);
      if (!where || kv.value === 'init_dir') continue;
      checked++;
      let value: unknown;
      try {
        value = JSON.parse(kv.value);
      } catch {
        refused.push({ key: kv.key, reason: 'not JSON' });
        continue;
      }
      if (!isStoredObject(value)) {
        refused.push({ key: kv.key, reason: `not an object: ${kv.value.slice(0, 80)}` });
        continue;
      }
      value.id = where.id;
      const err = storedValueError(kindOf(where.kind), value);
      if (err !== undefined) refused.push({ key: kv.key, reason: err });
    }
    return { checked, refused };
  } finally {
    await store.close();
  }
}

/** Items the data plane logged as `invalid config item skipped` (its real parser), by key. */
export function refusedByDataPlane(logFile: string): Refusal[] {
  const out: Refusal[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('invalid config item skipped')) continue;
    try {
      const o = JSON.parse(line) as { key?: string; err?: string };
      out.push({ key: String(o.key), reason: String(o.err) });
    } catch {
      out.push({ key: '?', reason: line.slice(0, 200) });
    }
  }
  return out;
}

/** Lines the admin logged for server faults (`admin request failed`). */
export function adminFaults(logFile: string): string[] {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('admin request failed'))
    .map((l) => l.slice(0, 400));
}
