/**
 * The Comprehend DetectToxicContent client of one conf: endpoint, credentials and undici
 * Agent prepared once; each call is a SigV4-signed JSON 1.1 POST (`X-Amz-Target:
 * Comprehend_20171127.DetectToxicContent`). Failures come back as APISIX's error strings.
 */
import type { Agent } from 'undici';
import { type AwsCredentials, signRequest } from '@portico/providers';
import { createGuardAgent, GuardTransportError, postJson } from '../ai-guard-shared/http.js';
import type { AiAwsContentModerationConf } from './schema.js';

export const COMPREHEND_TARGET = 'Comprehend_20171127.DetectToxicContent';
export const COMPREHEND_CONTENT_TYPE = 'application/x-amz-json-1.1';

/** One scored segment (a `ResultList` entry). */
export interface ToxicityResult {
  Toxicity: number;
  Labels: Array<{ Name: string; Score: number }>;
}

export type DetectOutcome = { ok: true; results: ToxicityResult[] } | { ok: false; error: string; awsError?: string };

export interface ComprehendClient {
  detect(segments: readonly string[]): Promise<DetectOutcome>;
  close(): Promise<void>;
}

export const NO_RESULTS = 'failed to get moderation results from response';

interface Target {
  /** Where requests go: scheme://host:port/ (an endpoint's path is not used, as in APISIX). */
  url: string;
  /** scheme://host, as APISIX names the endpoint in its error. */
  display: string;
  /** scheme://host:port, as lua-resty-aws names it in a connect error. */
  origin: string;
}

export function comprehendTarget(comprehend: AiAwsContentModerationConf['comprehend']): Target {
  const u = new URL(comprehend.endpoint ?? `https://comprehend.${comprehend.region}.amazonaws.com`);
  const scheme = u.protocol.slice(0, -1);
  const port = u.port || (scheme === 'https' ? '443' : '80');
  return { url: `${u.origin}/`, display: `${scheme}://${u.hostname}`, origin: `${scheme}://${u.hostname}:${port}` };
}

function parseResults(body: Buffer): ToxicityResult[] | undefined {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const list = (data as { ResultList?: unknown } | null)?.ResultList;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out: ToxicityResult[] = [];
  for (const r of list) {
    const item = r as { Toxicity?: unknown; Labels?: unknown } | null;
    if (typeof item?.Toxicity !== 'number') return undefined;
    const labels = Array.isArray(item.Labels) ? item.Labels : [];
    out.push({
      Toxicity: item.Toxicity,
      Labels: labels.filter(
        (l): l is { Name: string; Score: number } =>
          typeof (l as { Name?: unknown })?.Name === 'string' && typeof (l as { Score?: unknown })?.Score === 'number',
      ),
    });
  }
  return out;
}

/** AWS's error type from a JSON 1.1 error body (`__type`), for the operator's log. */
function awsErrorType(body: Buffer): string | undefined {
  try {
    const t = (JSON.parse(body.toString('utf8')) as { __type?: unknown } | null)?.__type;
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

export function createComprehendClient(conf: AiAwsContentModerationConf): ComprehendClient {
  const target = comprehendTarget(conf.comprehend);
  // session_token is not declared by the schema but is read by APISIX (extra keys are allowed)
  const token = conf.comprehend.session_token;
  const credentials: AwsCredentials = {
    accessKeyId: conf.comprehend.access_key_id,
    secretAccessKey: conf.comprehend.secret_access_key,
    ...(typeof token === 'string' && token !== '' ? { sessionToken: token } : {}),
  };
  const region = conf.comprehend.region;
  const agent: Agent = createGuardAgent({
    timeoutMs: conf.timeout,
    sslVerify: conf.comprehend.ssl_verify,
    ...(conf.keepalive ? { keepAliveMs: conf.keepalive_timeout } : {}),
  });
  const baseHeaders = { 'content-type': COMPREHEND_CONTENT_TYPE, 'x-amz-target': COMPREHEND_TARGET };
  const failed = (cause: string): string =>
    `failed to send request to ${target.display}: Comprehend:detectToxicContent() ${cause}`;

  return {
    async detect(segments) {
      const body = JSON.stringify({ LanguageCode: 'en', TextSegments: segments.map((Text) => ({ Text })) });
      const headers = signRequest({
        method: 'POST',
        url: target.url,
        headers: baseHeaders,
        body,
        service: 'comprehend',
        region,
        credentials,
      });
      let res: Awaited<ReturnType<typeof postJson>>;
      try {
        res = await postJson(agent, target.url, headers, body, conf.timeout);
      } catch (err) {
        if (!(err instanceof GuardTransportError)) throw err;
        return {
          ok: false,
          error: err.connect
            ? failed(`failed to connect to '${target.origin}': ${err.reason}`)
            : failed(`failed to read response from '${target.origin}': ${err.reason}`),
        };
      }
      const results = res.status >= 200 && res.status < 300 ? parseResults(res.body) : undefined;
      if (!results) {
        const awsError = res.status >= 300 ? (awsErrorType(res.body) ?? `HTTP ${res.status}`) : undefined;
        return awsError === undefined ? { ok: false, error: NO_RESULTS } : { ok: false, error: NO_RESULTS, awsError };
      }
      return { ok: true, results };
    },
    close: () => agent.close().catch(() => agent.destroy()),
  };
}
