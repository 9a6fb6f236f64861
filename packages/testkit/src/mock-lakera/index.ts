/**
 * A mock of Lakera Guard's v2 API (`POST /v2/guard`) over HTTPS: requires
 * `Authorization: Bearer <apiKey>`, records each scanned conversation, and answers with
 * Lakera's response shape (`flagged`, `metadata.request_uuid`, per-detector `breakdown`).
 * A message containing one of `triggers` is flagged as a prompt attack.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface MockLakeraOptions {
  tls?: { cert: string; key: string };
  apiKey: string;
  /** Substrings that make a message a prompt attack (default ["ignore previous instructions"]). */
  triggers?: string[];
  /** Answer every request with this status and body instead of scanning. */
  failStatus?: number;
  delayMs?: number;
}

export interface LakeraCall {
  headers: IncomingMessage['headers'];
  path: string;
  /** The parsed request body. */
  body: unknown;
  status: number;
}

export interface MockLakera {
  /** Base URL; the guard endpoint is `${url}/v2/guard`. */
  url: string;
  port: number;
  calls: LakeraCall[];
  setFailStatus(status: number | undefined): void;
  setDelay(ms: number): void;
  close(): Promise<void>;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The v2 answer for a conversation: one prompt_attack and one pii detector per message. */
export function lakeraVerdict(messages: Array<{ role?: unknown; content?: unknown }>, triggers: string[], projectId?: unknown) {
  const project = typeof projectId === 'string' ? projectId : 'project-0000000000';
  const breakdown = messages.flatMap((m, i) => {
    const text = typeof m.content === 'string' ? m.content.toLowerCase() : '';
    const attack = triggers.some((t) => text.includes(t.toLowerCase()));
    return [
      {
        project_id: project,
        policy_id: 'policy-lakera-default',
        detector_id: 'detector-lakera-default-prompt-attack',
        detector_type: 'prompt_attack',
        detected: attack,
        ...(attack ? { result: 'l1_confident' } : {}),
        message_id: i,
      },
      {
        project_id: project,
        policy_id: 'policy-lakera-default',
        detector_id: 'detector-lakera-default-pii',
        detector_type: 'pii',
        detected: false,
        message_id: i,
      },
    ];
  });
  return { payload: [], flagged: breakdown.some((b) => b.detected), metadata: { request_uuid: randomUUID() }, breakdown };
}

export async function startMockLakera(opts: MockLakeraOptions): Promise<MockLakera> {
  const calls: LakeraCall[] = [];
  const triggers = opts.triggers ?? ['ignore previous instructions'];
  let failStatus = opts.failStatus;
  let delay = opts.delayMs ?? 0;

  const handle = (req: IncomingMessage, res: ServerResponse, call: LakeraCall): number => {
    if (failStatus !== undefined) {
      reply(res, failStatus, { error: 'simulated Lakera failure' });
      return failStatus;
    }
    if (req.method !== 'POST' || call.path !== '/v2/guard') {
      reply(res, 404, { error: 'Not Found' });
      return 404;
    }
    if (req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      reply(res, 401, { error: 'Unauthorized' });
      return 401;
    }
    const body = call.body as { messages?: unknown; project_id?: unknown } | undefined;
    if (!body || !Array.isArray(body.messages) || body.messages.length === 0) {
      reply(res, 400, { error: 'messages is required' });
      return 400;
    }
    reply(res, 200, lakeraVerdict(body.messages as Array<{ role?: unknown; content?: unknown }>, triggers, body.project_id));
    return 200;
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        parsed = undefined;
      }
      const call: LakeraCall = { headers: req.headers, path: (req.url ?? '/').split('?')[0]!, body: parsed, status: 0 };
      calls.push(call);
      const run = () => {
        if (!res.destroyed) call.status = handle(req, res, call);
      };
      if (delay > 0) setTimeout(run, delay);
      else run();
    });
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : http.createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${opts.tls ? 'https' : 'http'}://localhost:${port}`,
    port,
    calls,
    setFailStatus(status) {
      failStatus = status;
    },
    setDelay(ms) {
      delay = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
