import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { converseEvent, converseException } from './frames.js';
import { verifySigV4, type MockAwsCredentials, type SigV4Verdict } from './sigv4-verify.js';

export interface MockBedrockBehavior {
  /** Answer with this status and a Bedrock-style `{"message"}` error (x-amzn-errortype set). */
  status?: number;
  errorType?: string;
  errorMessage?: string;
  /** Send the stream in pieces of this many bytes (frames split across TCP writes). */
  splitBytes?: number;
  /** End the stream with this exception frame instead of messageStop/metadata. */
  streamException?: { type: string; message: string };
}

export interface MockBedrockOptions {
  tls: { cert: string; key: string };
  credentials: MockAwsCredentials;
  region: string;
  /** Assistant text (split into deltas by words in streams). Default "Hello!". */
  text?: string;
  usage?: { inputTokens: number; outputTokens: number; totalTokens: number };
  behavior?: MockBedrockBehavior;
}

export interface BedrockRecordedRequest {
  method: string;
  /** Raw request target as received (percent-encoding kept). */
  url: string;
  /** Model id decoded from /model/{id}/..., undefined for other paths. */
  modelId: string | undefined;
  operation: 'converse' | 'converse-stream' | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: unknown;
  signature: SigV4Verdict;
}

export interface MockBedrock {
  url: string;
  port: number;
  requests: BedrockRecordedRequest[];
  setBehavior(b: MockBedrockBehavior | undefined): void;
  close(): Promise<void>;
}

const PATH_RE = /^\/model\/([^/]+)\/(converse|converse-stream)$/;
/** Fields Converse accepts at the top level; anything else is a ValidationException, as on AWS. */
const CONVERSE_FIELDS = new Set([
  'messages',
  'system',
  'inferenceConfig',
  'toolConfig',
  'guardrailConfig',
  'additionalModelRequestFields',
  'additionalModelResponseFieldPaths',
  'promptVariables',
  'requestMetadata',
  'performanceConfig',
]);

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': 'mock-request-id' });
  res.end(JSON.stringify({ message }));
}

/**
 * A TLS mock of `bedrock-runtime.<region>.amazonaws.com`: verifies the SigV4 signature of every
 * request (403 with AWS's error shape when it does not match), then serves Converse JSON or a
 * ConverseStream `application/vnd.amazon.eventstream` body.
 */
export async function startMockBedrock(opts: MockBedrockOptions): Promise<MockBedrock> {
  const requests: BedrockRecordedRequest[] = [];
  let behavior = opts.behavior;
  const text = opts.text ?? 'Hello!';
  const usage = opts.usage ?? { inputTokens: 13, outputTokens: 5, totalTokens: 18 };

  const respond = async (rec: BedrockRecordedRequest, res: ServerResponse): Promise<void> => {
    if (!rec.signature.ok) return sendError(res, 403, rec.signature.errorType, rec.signature.message);
    const b = behavior ?? {};
    if (b.status !== undefined)
      return sendError(
        res,
        b.status,
        b.errorType ?? 'ThrottlingException',
        b.errorMessage ?? 'Too many requests, please wait before trying again.',
      );
    if (rec.method !== 'POST' || rec.operation === undefined)
      return sendError(res, 404, 'UnknownOperationException', 'Unknown operation');
    const j = rec.json;
    if (typeof j !== 'object' || j === null || Array.isArray(j))
      return sendError(res, 400, 'SerializationException', 'Malformed request body');
    for (const k of Object.keys(j)) {
      if (!CONVERSE_FIELDS.has(k))
        return sendError(
          res,
          400,
          'ValidationException',
          `Malformed input request: extraneous key [${k}] is not permitted, please reformat your input and try again.`,
        );
    }
    if (!Array.isArray((j as { messages?: unknown }).messages))
      return sendError(res, 400, 'ValidationException', 'A conversation must start with a user message.');
    if (rec.operation === 'converse') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'mock-request-id' });
      res.end(
        JSON.stringify({
          output: { message: { role: 'assistant', content: [{ text }] } },
          stopReason: 'end_turn',
          usage,
          metrics: { latencyMs: 42 },
        }),
      );
      return;
    }
    const words = text.split(/(?<= )/);
    const frames = [
      converseEvent('messageStart', { p: 'abcd', role: 'assistant' }),
      ...words.map((w) => converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: w }, p: 'abcdef' })),
      converseEvent('contentBlockStop', { contentBlockIndex: 0, p: 'ab' }),
    ];
    if (b.streamException) frames.push(converseException(b.streamException.type, b.streamException.message));
    else {
      frames.push(
        converseEvent('messageStop', { p: 'abc', stopReason: 'end_turn' }),
        converseEvent('metadata', { metrics: { latencyMs: 42 }, p: 'abcdefgh', usage }),
      );
    }
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'mock-request-id' });
    const all = Buffer.concat(frames);
    const step = b.splitBytes ?? all.length;
    for (let i = 0; i < all.length; i += step) {
      if (res.destroyed) return;
      res.write(all.subarray(i, i + step));
      if (step < all.length) await new Promise((r) => setImmediate(r));
    }
    res.end();
  };

  const server = https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const m = PATH_RE.exec(q < 0 ? url : url.slice(0, q));
      let json: unknown;
      try {
        json = body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined;
      } catch {
        json = undefined;
      }
      const rec: BedrockRecordedRequest = {
        method: req.method ?? 'GET',
        url,
        modelId: m ? decodeURIComponent(m[1]!) : undefined,
        operation: m ? (m[2] as 'converse' | 'converse-stream') : undefined,
        headers: { ...req.headers },
        body: body.toString('utf8'),
        json,
        signature: verifySigV4(
          { method: req.method ?? 'GET', url, headers: req.headers, body },
          opts.credentials,
          opts.region,
          'bedrock',
        ),
      };
      requests.push(rec);
      void respond(rec, res).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    requests,
    setBehavior: (b) => {
      behavior = b;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
