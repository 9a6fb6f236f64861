import { Agent, request } from 'undici';
import type { BatchResult } from '../log-util/index.js';
import type { HttpLoggerConf } from './schema.js';

/** Encode a batch as APISIX does (http-logger.lua log func): size-1 batches are one object. */
export function encodeBatch(entries: readonly unknown[], batchMaxSize: number, concat: 'json' | 'new_line'): string {
  if (batchMaxSize === 1) return JSON.stringify(entries[0]);
  if (concat === 'json') return JSON.stringify(entries);
  return entries.map((e) => JSON.stringify(e)).join('\n');
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function isTlsError(code: string): boolean {
  return code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'EPROTO';
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  return String(e?.code ?? e?.cause?.code ?? '');
}

function errorText(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  const msg = e?.message ?? String(err);
  return e?.cause?.message && !msg.includes(e.cause.message) ? `${msg}: ${e.cause.message}` : msg;
}

/** One collector endpoint: a pooled undici Agent plus the POST logic. Built once per conf. */
export class HttpLogSender {
  private readonly agent: Agent;
  private readonly url: URL;
  private readonly host: string;
  private readonly port: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly conf: HttpLoggerConf) {
    this.url = new URL(conf.uri);
    if (this.url.pathname === '') this.url.pathname = '/';
    this.host = this.url.hostname;
    this.port = this.url.port || (this.url.protocol === 'https:' ? '443' : '80');
    const ms = conf.timeout * 1000;
    this.agent = new Agent({
      connect: { timeout: ms, rejectUnauthorized: conf.ssl_verify },
      headersTimeout: ms,
      bodyTimeout: ms,
    });
    this.headers = { 'content-type': conf.concat_method === 'json' ? 'application/json' : 'text/plain' };
    // The auth header only ever travels in the request; it is never part of a log message.
    if (conf.auth_header !== undefined) this.headers['authorization'] = conf.auth_header;
  }

  /** POST one batch; resolves to an APISIX-worded error on failure, never throws. */
  send = async (entries: readonly unknown[], batchMaxSize: number): Promise<BatchResult> => {
    const where = `host[${this.host}] port[${this.port}]`;
    let body: string;
    try {
      body = encodeBatch(entries, batchMaxSize, this.conf.concat_method);
    } catch (err) {
      return { ok: false, error: `error occurred while encoding the data: ${errorText(err)}` };
    }
    try {
      const res = await request(this.url, { method: 'POST', body, headers: this.headers, dispatcher: this.agent });
      if (res.statusCode >= 400) {
        const text = await res.body.text().catch(() => '');
        return { ok: false, error: `server returned status code[${res.statusCode}] ${where} body[${text}]` };
      }
      await res.body.dump();
      return { ok: true };
    } catch (err) {
      const code = errorCode(err);
      if (CONNECT_CODES.has(code)) return { ok: false, error: `failed to connect to ${where} ${errorText(err)}` };
      if (isTlsError(code)) return { ok: false, error: `failed to perform SSL with ${where} ${errorText(err)}` };
      return { ok: false, error: `error while sending data to [${this.host}] port[${this.port}] ${errorText(err)}` };
    }
  };

  /** Close pooled connections. */
  close(): Promise<void> {
    return this.agent.close();
  }
}
