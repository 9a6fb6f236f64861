import type { Server } from 'node:net';

/**
 * nginx stub_status counters of one worker's HTTP server (APISIX reads them for
 * nginx_http_current_connections and http_requests_total): connections accepted and open,
 * requests received and in flight. Node gives no "reading the request head" state, so
 * `reading` is 0 and an open connection without a request in flight counts as `waiting`.
 */
export class ServerStats {
  accepted = 0;
  active = 0;
  requests = 0;
  inFlight = 0;

  /** Count the connections of `server` (the plain and the HTTPS listeners alike). */
  attach(server: Server): void {
    server.on('connection', (sock) => {
      this.accepted++;
      this.active++;
      sock.once('close', () => this.active--);
    });
  }

  snapshot(): {
    active: number;
    reading: number;
    writing: number;
    waiting: number;
    accepted: number;
    handled: number;
    requests: number;
  } {
    const writing = Math.min(this.inFlight, this.active);
    return {
      active: this.active,
      reading: 0,
      writing,
      waiting: this.active - writing,
      accepted: this.accepted,
      handled: this.accepted,
      requests: this.requests,
    };
  }
}
