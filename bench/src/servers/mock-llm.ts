/**
 * Fast mock LLM for the bench (its own process): plain node:http, precomputed bodies.
 *   node dist/servers/mock-llm.js --port <p> --profile <name>:<chunks>:<intervalMs> [...]
 * A path starting with `/<name>/` uses that stream profile; other paths use the profile with
 * the empty name. POST .../embeddings answers an embeddings body; any other request a chat
 * completion: SSE (`chunks` events `intervalMs` apart, then usage and [DONE]) when the body
 * has "stream":true, else JSON with usage. A path starting with `/fault/` answers 500 with an
 * OpenAI-shaped error body (a failing provider instance for fallback tests).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { chatBody, embeddingsBody, nowUs, streamEvents, type StreamEvents } from './mock-payloads.js';

interface Profile {
  events: StreamEvents;
  intervalMs: number;
}

const CHAT = chatBody();
const EMB = embeddingsBody();
const JSON_HEAD = { 'content-type': 'application/json', 'content-length': String(CHAT.length) };
const EMB_HEAD = { 'content-type': 'application/json', 'content-length': String(EMB.length) };
const SSE_HEAD = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const FAULT = Buffer.from('{"error":{"message":"bench mock fault","type":"server_error"}}');
const FAULT_HEAD = { 'content-type': 'application/json', 'content-length': String(FAULT.length) };

function isStream(body: string): boolean {
  const i = body.indexOf('"stream"');
  if (i < 0) return false;
  return /^"stream"\s*:\s*true/.test(body.slice(i, i + 20));
}

function stream(res: ServerResponse, ev: StreamEvents, intervalMs: number): void {
  res.writeHead(200, SSE_HEAD);
  let i = 0;
  const n = ev.content.length;
  const tick = (): void => {
    if (res.destroyed) return;
    const [pre, post] = ev.content[i++]!;
    const chunk = Buffer.concat([pre, Buffer.from(String(nowUs())), post]);
    if (i < n) {
      res.write(chunk);
      if (intervalMs > 0) setTimeout(tick, intervalMs);
      else setImmediate(tick);
      return;
    }
    // The usage and [DONE] events follow the last content event at once.
    res.write(chunk);
    res.write(ev.usage);
    res.end(ev.done);
  };
  tick();
}

function main(argv: string[]): void {
  let port = 0;
  const profiles = new Map<string, Profile>();
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') port = Number(argv[++i]);
    else if (argv[i] === '--profile') {
      const [name, chunks, interval] = (argv[++i] ?? '').split(':');
      profiles.set(name ?? '', { events: streamEvents(Number(chunks) || 8), intervalMs: Number(interval) || 0 });
    }
  }
  if (!port) throw new Error('usage: mock-llm --port <p> --profile <name>:<chunks>:<intervalMs>');
  const fallback = profiles.get('') ?? { events: streamEvents(8), intervalMs: 0 };
  const profileOf = (url: string): Profile => {
    const slash = url.indexOf('/', 1);
    return (slash > 1 && profiles.get(url.slice(1, slash))) || fallback;
  };
  const srv = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const url = req.url ?? '/';
      if (url.startsWith('/__health')) return void res.end('ok');
      if (url.startsWith('/fault/')) return void res.writeHead(500, FAULT_HEAD).end(FAULT);
      if (url.includes('embeddings')) return void res.writeHead(200, EMB_HEAD).end(EMB);
      if (req.method === 'POST' && isStream(body)) {
        const p = profileOf(url);
        return stream(res, p.events, p.intervalMs);
      }
      res.writeHead(200, JSON_HEAD).end(CHAT);
    });
  });
  srv.keepAliveTimeout = 60_000;
  srv.listen(port, '127.0.0.1');
}

main(process.argv.slice(2));
