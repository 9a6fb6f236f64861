import type { Http2SecureServer, Http2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { DrainResult } from './drain.js';

/**
 * Tracks the connections of an HTTPS listener (HTTP/2 sessions and HTTP/1.1 sockets on the
 * same port) so it can drain like the plain listener: Http2SecureServer has no
 * closeIdleConnections. Attach once, right after the server is created.
 */
export class TlsConnections {
  private readonly sessions = new Set<Http2Session>();
  private readonly h1 = new Map<TLSSocket, number>();
  private draining = false;

  constructor(private readonly server: Http2SecureServer) {
    server.on('session', (s: Http2Session) => {
      this.sessions.add(s);
      s.once('close', () => this.sessions.delete(s));
      if (this.draining) s.close();
    });
    server.on('secureConnection', (sock: TLSSocket) => {
      if (sock.alpnProtocol === 'h2') return;
      this.h1.set(sock, 0);
      sock.once('close', () => this.h1.delete(sock));
    });
    server.prependListener(
      'request',
      (
        req: { httpVersionMajor: number; socket: TLSSocket },
        res: { shouldKeepAlive?: boolean; once(e: string, f: () => void): void },
      ) => {
        if (req.httpVersionMajor !== 1) return;
        const sock = req.socket;
        this.h1.set(sock, (this.h1.get(sock) ?? 0) + 1);
        if (this.draining) res.shouldKeepAlive = false;
        res.once('close', () => {
          const left = (this.h1.get(sock) ?? 1) - 1;
          this.h1.set(sock, left);
          if (this.draining && left === 0) sock.end();
        });
      },
    );
  }

  /**
   * Stop accepting; HTTP/2 sessions get GOAWAY and close once their streams end; idle
   * HTTP/1.1 sockets close now, busy ones after their response; at `deadlineMs` the rest is
   * destroyed. Resolves once no connection is left.
   */
  drain(deadlineMs: number): Promise<DrainResult> {
    this.draining = true;
    return new Promise((resolve) => {
      let forced = 0;
      const deadline = setTimeout(() => {
        forced = this.sessions.size + this.h1.size;
        for (const s of this.sessions) s.destroy();
        for (const sock of this.h1.keys()) sock.destroy();
      }, deadlineMs);
      this.server.close(() => {
        clearTimeout(deadline);
        resolve({ forced });
      });
      for (const s of this.sessions) s.close();
      for (const [sock, busy] of this.h1) if (busy === 0) sock.end();
    });
  }
}
