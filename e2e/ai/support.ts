// Shared helpers of the AI e2e files: route setup through the Admin API, SSE reading with
// arrival timestamps, collectors and log polling. Each test file owns its processes.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { PorticoApps } from '@portico/testkit';
import { adminRequest, eventually } from '../helpers.js';

/** The doc's chat body (ai-proxy / ai-proxy-multi examples). */
export const MATH_MESSAGES = [
  { role: 'system', content: 'You are a mathematician' },
  { role: 'user', content: 'What is 1+1?' },
];

/** The nginx 504 page the data plane answers with for a bodyless 504 (nginx `server_tokens off`). */
export const NGINX_504 =
  '<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n' +
  '<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n';

/**
 * PUT an Admin API object and wait until every data plane serves it: `probe` is sent to each
 * data plane until it answers something other than 404 (routes) or `notStatus`.
 */
export async function putAndWait(
  apps: PorticoApps,
  path: string,
  body: unknown,
  probe: { uri: string; headers?: Record<string, string>; notStatus?: number } | undefined,
): Promise<void> {
  const res = await adminRequest(apps, 'PUT', path, body);
  expect([200, 201], res.text).toContain(res.status);
  if (!probe) return;
  for (const dp of apps.dataPlanes) {
    await eventually(async () => {
      // An empty body fails ai-proxy's validation in access: it never reaches an LLM or a quota.
      const r = await fetch(`${dp.url}${probe.uri}`, { method: 'POST', headers: probe.headers ?? {} });
      await r.arrayBuffer();
      expect(r.status).not.toBe(probe.notStatus ?? 404);
    });
  }
}

/** POST a JSON body to a data plane and return status, headers and body text. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

/** One SSE `data:` payload as the client saw it, with its arrival time. */
export interface SseEvent {
  data: string;
  at: number;
}

/** Result of {@link streamSse}: the status and headers, each event, and how the stream ended. */
export interface SseResult {
  status: number;
  headers: IncomingHttpHeaders;
  events: SseEvent[];
  raw: string;
  /** 'end' for a complete response, 'aborted' when the connection broke mid-body. */
  ending: 'end' | 'aborted';
}

/** POST and read the response as SSE with node:http, timestamping every event on arrival. */
export function streamSse(url: string, body: unknown, headers: Record<string, string> = {}): Promise<SseResult> {
  const u = new URL(url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        const events: SseEvent[] = [];
        let raw = '';
        let pending = '';
        let settled = false;
        const finish = (ending: SseResult['ending']) => {
          if (settled) return;
          settled = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, events, raw, ending });
        };
        res.on('data', (c: Buffer) => {
          const at = Date.now();
          raw += c.toString('utf8');
          pending += c.toString('utf8');
          let i: number;
          while ((i = pending.indexOf('\n\n')) >= 0) {
            const block = pending.slice(0, i);
            pending = pending.slice(i + 2);
            for (const line of block.split('\n')) if (line.startsWith('data: ')) events.push({ data: line.slice(6), at });
          }
        });
        res.on('end', () => finish(res.complete ? 'end' : 'aborted'));
        res.on('aborted', () => finish('aborted'));
        res.on('error', () => finish('aborted'));
        res.on('close', () => finish(res.complete ? 'end' : 'aborted'));
      },
    );
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error('SSE request timed out')));
    req.end(payload);
  });
}

/** A local HTTP log collector (http-logger target): every JSON entry it received, and raw bodies. */
export interface Collector {
  uri: string;
  entries: Record<string, unknown>[];
  bodies: string[];
  close(): Promise<void>;
}

/** Start a collector on 127.0.0.1:0 that accepts JSON arrays or single objects. */
export async function startCollector(): Promise<Collector> {
  const entries: Record<string, unknown>[] = [];
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      bodies.push(text);
      const v = JSON.parse(text) as Record<string, unknown> | Record<string, unknown>[];
      entries.push(...(Array.isArray(v) ? v : [v]));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/logs`,
    entries,
    bodies,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Wait until a line of `file` matches `pattern` and return it. */
export async function waitForLine(file: string, pattern: RegExp | string, timeoutMs = 5000): Promise<string> {
  return eventually(async () => {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const line = text.split('\n').find((l) => (typeof pattern === 'string' ? l.includes(pattern) : pattern.test(l)));
    if (!line) throw new Error(`no line matching ${String(pattern)} in ${file}:\n${text.slice(-2000)}`);
    return line;
  }, timeoutMs);
}

/** Parse the data plane's JSON error-log lines (pino) out of a process log file. */
export function errorLogLines(file: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a partially flushed line
    }
  }
  return out;
}

/** Resolve after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The access_log_format of the ai-proxy-multi doc ("Log LLM Request Information in Access Log"). */
export const DOC_ACCESS_LOG_FORMAT =
  '$remote_addr - $remote_user [$time_local] $http_host "$request_line" $status $body_bytes_sent $request_time ' +
  '"$http_referer" "$http_user_agent" $upstream_addr $upstream_status $upstream_response_time ' +
  '"$upstream_scheme://$upstream_host$upstream_uri" "$apisix_request_id" "$request_type" "$llm_time_to_first_token" ' +
  '"$llm_model" "$llm_prompt_tokens" "$llm_completion_tokens"';

/** Fields of a line written with {@link DOC_ACCESS_LOG_FORMAT}; undefined when the line does not fit. */
export function parseDocAccessLine(line: string): Record<string, string> | undefined {
  const m =
    /^(\S+) - (\S+) \[([^\]]+)\] (\S+) "([^"]*)" (\d{3}) (\d+) ([\d.]+) "([^"]*)" "([^"]*)" (\S+) (\S+) (\S+) "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)"$/.exec(
      line,
    );
  if (!m) return undefined;
  const names = [
    'remote_addr',
    'remote_user',
    'time_local',
    'http_host',
    'request_line',
    'status',
    'body_bytes_sent',
    'request_time',
    'http_referer',
    'http_user_agent',
    'upstream_addr',
    'upstream_status',
    'upstream_response_time',
    'upstream_url',
    'apisix_request_id',
    'request_type',
    'llm_time_to_first_token',
    'llm_model',
    'llm_prompt_tokens',
    'llm_completion_tokens',
  ];
  return Object.fromEntries(names.map((n, i) => [n, m[i + 1] ?? '']));
}
