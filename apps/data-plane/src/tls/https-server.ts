/**
 * The HTTPS listener (`apisix.ssl.listen`, default 9443): TLS with the certificate chosen per
 * handshake by SNI from the configuration being served (so a new or rotated certificate applies
 * to the next handshake, no restart), HTTP/2 by ALPN with HTTP/1.1 beside it, and client
 * certificates requested so `ssls.client` (mTLS) can be enforced per certificate.
 */
import { createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { clientCertRefusal } from './mtls.js';
import type { ServerCert } from './server-cert.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpsServerOptions {
  /** The certificate for a handshake's server name, from the snapshot being served. */
  certFor(servername: string): ServerCert | undefined;
  /** Called for handshakes no certificate matches (APISIX logs `failed to find any SSL certificate by SNI`). */
  onNoCert?(servername: string | undefined): void;
  /** Offer HTTP/2 by ALPN (APISIX `apisix.ssl.listen[].enable_http2`, default true for 3.x listen entries). */
  http2: boolean;
}

/** The TLS facts of a request's connection (through HTTP/2's socket proxy too). */
export function tlsOf(req: IncomingMessage): { servername: string | undefined; authorized: boolean; presented: boolean } {
  const s = req.socket as TLSSocket & { servername?: string | false };
  const authorized = s.authorized === true;
  const presented = authorized || (typeof s.getPeerCertificate === 'function' && Object.keys(s.getPeerCertificate()).length > 0);
  return { servername: typeof s.servername === 'string' ? s.servername : undefined, authorized, presented };
}

/**
 * An HTTP/2 request seen through the HTTP/1 shape the pipeline reads: `host` from
 * `:authority`, pseudo-headers dropped. HTTP/1.1 requests on the same port are untouched.
 */
function asHttp1(req: Http2ServerRequest): IncomingMessage {
  // `url` and `method` keep reading the pseudo-headers of the original object; the pipeline
  // sees a copy without them, as an HTTP/1 request carries none.
  const headers: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) if (k.charCodeAt(0) !== 58 /* ':' */) headers[k] = v;
  headers.host ??= req.headers[':authority'];
  Object.defineProperty(req, 'headers', { value: headers, configurable: true, enumerable: true });
  return req as unknown as IncomingMessage;
}

export function createHttpsServer(handler: RequestHandler, opts: HttpsServerOptions): Http2SecureServer {
  const server = createSecureServer(
    {
      allowHTTP1: true,
      ALPNProtocols: opts.http2 ? ['h2', 'http/1.1'] : ['http/1.1'],
      // The certificate is picked per handshake; requestCert lets an ssl object with `client`
      // verify the peer, and rejectUnauthorized stays off so the others do not need one.
      requestCert: true,
      rejectUnauthorized: false,
      SNICallback(servername, cb) {
        const cert = opts.certFor(servername);
        if (!cert) {
          opts.onNoCert?.(servername);
          cb(new Error(`failed to find any SSL certificate by SNI: ${servername}`));
          return;
        }
        cb(null, cert.context);
      },
    },
    (req: Http2ServerRequest | IncomingMessage, res: Http2ServerResponse | ServerResponse) => {
      const h1 = 'stream' in req ? asHttp1(req) : req;
      const out = res as unknown as ServerResponse;
      const tls = tlsOf(h1);
      const cert = tls.servername === undefined ? undefined : opts.certFor(tls.servername);
      const refused = clientCertRefusal(cert, tls.authorized, h1.url ?? '/', tls.presented);
      if (refused) {
        out.writeHead(400, { 'content-type': 'text/html', 'content-length': refused.length });
        out.end(refused);
        return;
      }
      handler(h1, out);
    },
  );
  // A handshake without SNI (an IP address) has no certificate: Node then has none to offer
  // and fails the handshake, as APISIX does ("failed to find SNI").
  return server;
}
