/**
 * The guards' HTTP client: one undici Agent per plugin conf (made in `prepare`), JSON POSTs
 * bounded by the conf's timeout, transport failures turned into a typed error whose message
 * names the cause the way lua-resty-http / lua-resty-aws word it ("connection refused",
 * "timeout"). Never logs: callers decide, and request headers (keys) never reach a message.
 */
import { Agent, request } from 'undici';

export interface GuardAgentConf {
  timeoutMs: number;
  sslVerify: boolean;
  /** Keep idle connections for reuse this long; undefined closes each after its response. */
  keepAliveMs?: number;
}

export function createGuardAgent(conf: GuardAgentConf): Agent {
  const keep = conf.keepAliveMs;
  return new Agent({
    connect: { timeout: conf.timeoutMs, rejectUnauthorized: conf.sslVerify },
    headersTimeout: conf.timeoutMs,
    bodyTimeout: conf.timeoutMs,
    ...(keep === undefined ? { pipelining: 0 } : { keepAliveTimeout: keep, keepAliveMaxTimeout: keep }),
  });
}

/** A failure before a complete response was read. */
export class GuardTransportError extends Error {
  constructor(
    /** lua-resty-http's wording of the cause: "connection refused", "timeout", ... */
    readonly reason: string,
    /** True when the connection could not be established. */
    readonly connect: boolean,
  ) {
    super(reason);
    this.name = 'GuardTransportError';
  }
}

export interface GuardResponse {
  status: number;
  body: Buffer;
}

const CONNECT_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  ENOTFOUND: 'no resolver defined to resolve',
  EAI_AGAIN: 'no resolver defined to resolve',
  EHOSTUNREACH: 'no route to host',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
};

function transportError(err: unknown, timedOut: boolean): GuardTransportError {
  if (timedOut) return new GuardTransportError('timeout', false);
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : '';
  if (code in CONNECT_CODES) return new GuardTransportError(CONNECT_CODES[code]!, code !== 'ECONNRESET');
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return new GuardTransportError('timeout', false);
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || code.startsWith('UNABLE_TO_')) {
    return new GuardTransportError('handshake failed', true);
  }
  return new GuardTransportError(err instanceof Error ? err.message : 'unknown error', false);
}

/** POST `body` to `url`; resolves with the whole response, rejects with GuardTransportError. */
export async function postJson(
  agent: Agent,
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<GuardResponse> {
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, timeoutMs);
  try {
    const res = await request(url, { method: 'POST', headers, body, dispatcher: agent, signal: ac.signal });
    const chunks: Buffer[] = [];
    for await (const c of res.body) chunks.push(c as Buffer);
    return { status: res.statusCode, body: Buffer.concat(chunks) };
  } catch (err) {
    throw transportError(err, timedOut);
  } finally {
    clearTimeout(timer);
  }
}
