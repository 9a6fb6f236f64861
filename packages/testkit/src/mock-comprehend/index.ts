/**
 * A mock of AWS Comprehend's DetectToxicContent (JSON 1.1 protocol) over HTTPS: it checks
 * the X-Amz-Target and Content-Type, VERIFIES the SigV4 signature by recomputing it with the
 * secret of the access key, enforces the service's text limits, and answers with one
 * ResultList entry per segment from a scorer. Wrong credentials or signatures get AWS's
 * error shape (`{"__type": ..., "message": ...}`).
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { expectedSignature, parseAuthorization } from './sigv4-verify.js';

export interface ToxicityLabel {
  Name: string;
  Score: number;
}

export interface SegmentScore {
  Toxicity: number;
  Labels: ToxicityLabel[];
}

export interface MockComprehendOptions {
  /** Serve HTTPS with this certificate (PEM); plain HTTP without. */
  tls?: { cert: string; key: string };
  /** Access key id → secret access key the mock accepts. */
  credentials: Record<string, string>;
  /** The region requests must be signed for (default us-east-1). */
  region?: string;
  /** Score of one text segment (default {@link defaultScore}). */
  score?: (text: string) => SegmentScore;
  /** Wait this long before answering (to exercise timeouts). */
  delayMs?: number;
}

export interface ComprehendCall {
  headers: IncomingMessage['headers'];
  /** The TextSegments' texts. */
  segments: string[];
  languageCode: unknown;
  /** Answer status. */
  status: number;
}

export interface MockComprehend {
  url: string;
  port: number;
  /** Every request that reached the handler, in order. */
  calls: ComprehendCall[];
  setDelay(ms: number): void;
  close(): Promise<void>;
}

const CATEGORIES = ['PROFANITY', 'HATE_SPEECH', 'INSULT', 'GRAPHIC', 'HARASSMENT_OR_ABUSE', 'SEXUAL', 'VIOLENCE_OR_THREAT'];

/** A segment with every label scored `low` except those in `high`, toxicity `toxicity`. */
export function segmentScore(toxicity: number, high: Record<string, number> = {}, low = 0.01): SegmentScore {
  return { Toxicity: toxicity, Labels: CATEGORIES.map((Name) => ({ Name, Score: high[Name] ?? low })) };
}

/**
 * Default scorer: "kill" → violent and toxic (0.92); "profane_but_not_toxic" → PROFANITY 0.6,
 * toxicity 0.3; "very_profane" → PROFANITY 0.9, toxicity 0.8; "profane" → PROFANITY 0.55,
 * toxicity 0.62; "toxic" → toxicity 0.9; anything else clean.
 */
export function defaultScore(text: string): SegmentScore {
  if (text.includes('kill')) return segmentScore(0.92, { VIOLENCE_OR_THREAT: 0.95 });
  if (text.includes('profane_but_not_toxic')) return segmentScore(0.3, { PROFANITY: 0.6 });
  if (text.includes('very_profane')) return segmentScore(0.8, { PROFANITY: 0.9 });
  if (text.includes('profane')) return segmentScore(0.62, { PROFANITY: 0.55 });
  if (text.includes('toxic')) return segmentScore(0.9, { INSULT: 0.7 });
  return segmentScore(0.02);
}

const TARGET = 'Comprehend_20171127.DetectToxicContent';
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

const awsError = (res: ServerResponse, status: number, type: string, message: string) =>
  answer(res, status, { __type: type, message });

export async function startMockComprehend(opts: MockComprehendOptions): Promise<MockComprehend> {
  const calls: ComprehendCall[] = [];
  const region = opts.region ?? 'us-east-1';
  const score = opts.score ?? defaultScore;
  let delay = opts.delayMs ?? 0;

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer): number => {
    if (req.method !== 'POST' || req.headers['x-amz-target'] !== TARGET) {
      awsError(res, 400, 'UnknownOperationException', '');
      return 400;
    }
    const auth = parseAuthorization(req.headers.authorization);
    if (!auth) {
      awsError(res, 400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
      return 400;
    }
    const secret = opts.credentials[auth.accessKeyId];
    if (secret === undefined) {
      awsError(res, 400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
      return 400;
    }
    const date = req.headers['x-amz-date'];
    const signedOk =
      auth.service === 'comprehend' &&
      auth.region === region &&
      typeof date === 'string' &&
      date.startsWith(auth.day) &&
      auth.signedHeaders.includes('host') &&
      auth.signedHeaders.includes('x-amz-date') &&
      expectedSignature(auth, secret, { method: req.method, url: req.url ?? '/', headers: req.headers, body }) === auth.signature;
    if (!signedOk) {
      awsError(res, 403, 'InvalidSignatureException', SIGNATURE_MISMATCH);
      return 403;
    }
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) {
      awsError(res, 400, 'SerializationException', '');
      return 400;
    }
    let parsed: { TextSegments?: unknown; LanguageCode?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      awsError(res, 400, 'SerializationException', '');
      return 400;
    }
    const segments = Array.isArray(parsed.TextSegments)
      ? parsed.TextSegments.map((s) => String((s as { Text?: unknown })?.Text ?? ''))
      : [];
    calls[calls.length - 1]!.segments = segments;
    calls[calls.length - 1]!.languageCode = parsed.LanguageCode;
    const total = segments.reduce((n, s) => n + Buffer.byteLength(s), 0);
    if (segments.length === 0 || segments.length > 10 || total > 10240 || segments.some((s) => Buffer.byteLength(s) > 1024)) {
      awsError(res, 400, 'TextSizeLimitExceededException', 'Input text size exceeds limit.');
      return 400;
    }
    answer(res, 200, { ResultList: segments.map(score) });
    return 200;
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call: ComprehendCall = { headers: req.headers, segments: [], languageCode: undefined, status: 0 };
      calls.push(call);
      const run = () => {
        call.status = handle(req, res, Buffer.concat(chunks));
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
