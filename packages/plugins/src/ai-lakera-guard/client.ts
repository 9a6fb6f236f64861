/**
 * The Lakera Guard v2 client of one conf (`POST <lakera_endpoint>` with
 * `Authorization: Bearer <api_key>`, body `{messages, breakdown: true, project_id?}`):
 * endpoint, headers and undici Agent prepared once. Errors are APISIX's strings; the key
 * never appears in one.
 */
import type { Agent } from 'undici';
import { createGuardAgent, GuardTransportError, postJson } from '../ai-guard-shared/http.js';
import type { GuardMessage } from '../ai-guard-shared/protocol.js';
import type { AiLakeraGuardConf } from './schema.js';

export interface LakeraVerdict {
  flagged: boolean;
  /** Lakera's per-detector results, as sent (detected or not). */
  breakdown?: unknown[];
  request_uuid?: string;
}

export type ScanOutcome = { ok: true; verdict: LakeraVerdict } | { ok: false; error: string };

export interface LakeraClient {
  scan(messages: readonly GuardMessage[]): Promise<ScanOutcome>;
  close(): Promise<void>;
}

/** Interpret a 200 answer; an error string when it is not a JSON object. */
export function parseVerdict(body: Buffer): ScanOutcome {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return { ok: false, error: `failed to decode Lakera Guard response: ${(err as Error).message}` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, error: 'unexpected Lakera Guard response: expected a JSON object' };
  }
  const d = data as { flagged?: unknown; breakdown?: unknown; metadata?: unknown };
  const verdict: LakeraVerdict = { flagged: d.flagged === true };
  if (Array.isArray(d.breakdown)) verdict.breakdown = d.breakdown;
  const uuid = (d.metadata as { request_uuid?: unknown } | null | undefined)?.request_uuid;
  if (typeof uuid === 'string') verdict.request_uuid = uuid;
  return { ok: true, verdict };
}

export function createLakeraClient(conf: AiLakeraGuardConf): LakeraClient {
  const agent: Agent = createGuardAgent({ timeoutMs: conf.timeout, sslVerify: conf.ssl_verify, keepAliveMs: 60_000 });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (conf.api_key !== '') headers.authorization = `Bearer ${conf.api_key}`;
  const url = conf.lakera_endpoint;
  const projectId = conf.project_id;
  return {
    async scan(messages) {
      const payload = JSON.stringify(
        projectId === undefined ? { messages, breakdown: true } : { messages, breakdown: true, project_id: projectId },
      );
      let res: Awaited<ReturnType<typeof postJson>>;
      try {
        res = await postJson(agent, url, headers, payload, conf.timeout);
      } catch (err) {
        if (!(err instanceof GuardTransportError)) throw err;
        return { ok: false, error: `failed to request Lakera Guard: ${err.reason}` };
      }
      if (res.status !== 200) return { ok: false, error: `Lakera Guard returned status ${res.status}` };
      return parseVerdict(res.body);
    },
    close: () => agent.close().catch(() => agent.destroy()),
  };
}
