import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  defaultScore,
  segmentScore,
  startMockComprehend,
  startMockLakera,
  type MockComprehend,
  type MockLakera,
} from '@portico/testkit';

// The external services of the APISIX AI-guard docs, answered by the testkit mocks (AWS Comprehend
// DetectToxicContent over JSON 1.1 with SigV4 verification; Lakera Guard v2) behind the docs' real
// host names: the :443 impersonator forwards `comprehend.us-east-1.amazonaws.com` and `api.lakera.ai`
// requests to them unchanged (Host header included, so the SigV4 signature still verifies).

/** Host names the guard docs reach. */
export const COMPREHEND_HOST = 'comprehend.us-east-1.amazonaws.com';
export const LAKERA_HOST = 'api.lakera.ai';

/**
 * Comprehend's scores for the moderation doc's prompts: "Stupid, ..." is mildly profane and
 * insulting (PROFANITY above the doc's 0.1, overall toxicity 0.61); "I will kill you ..." is a
 * threat (toxicity 0.92, PROFANITY low, so only `moderation_threshold` 0.2 catches it); the rest is clean.
 */
export function docScore(text: string) {
  if (text.includes('Stupid')) return segmentScore(0.61, { PROFANITY: 0.57, INSULT: 0.79 });
  return defaultScore(text);
}

export interface GuardServices {
  comprehend: MockComprehend;
  lakera: MockLakera;
  /** Forward one request (already read as `raw`) to the mock serving `host`; false if none does. */
  forward(host: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): boolean;
  close(): Promise<void>;
}

export async function startGuardServices(keys: {
  awsAccessKey: string;
  awsSecret: string;
  lakeraKey: string;
}): Promise<GuardServices> {
  const comprehend = await startMockComprehend({ credentials: { [keys.awsAccessKey]: keys.awsSecret }, score: docScore });
  const lakera = await startMockLakera({ apiKey: keys.lakeraKey, triggers: ['ignore all previous instructions'] });
  const forward = (host: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): boolean => {
    const port = host === COMPREHEND_HOST ? comprehend.port : host === LAKERA_HOST ? lakera.port : undefined;
    if (port === undefined) return false;
    const up = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.once('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    up.end(raw);
    return true;
  };
  return {
    comprehend,
    lakera,
    forward,
    close: async () => {
      await comprehend.close();
      await lakera.close();
    },
  };
}
