import { Agent } from 'undici';
import type { TransportConf } from './types.js';

/** A connection pool for one plugin configuration (one per `prepare`, closed by `destroy`). */
export interface AiPool {
  readonly agent: Agent;
  readonly conf: Readonly<TransportConf>;
  close(): Promise<void>;
}

/**
 * Map APISIX transport fields onto undici (openai-base.lua uses one resty.http timeout for
 * connect, send and every read; set_keepalive(keepalive_timeout, keepalive_pool)):
 * timeout → connect/headers/body(idle between chunks) timeouts; keepalive_timeout → idle
 * socket lifetime; ssl_verify → rejectUnauthorized. keepalive=false closes each connection
 * after its response.
 *
 * keepalive_pool is APISIX's cap on *idle* kept-alive sockets, not on concurrent ones. undici
 * has no idle-only cap, and capping concurrent sockets would queue LLM streams (each holds
 * its connection for the whole generation), so concurrency is left unbounded here; idle
 * sockets still expire after keepalive_timeout. Recorded in docs/compatibility.md.
 */
export function createPool(conf: TransportConf): AiPool {
  const agent = new Agent({
    keepAliveTimeout: conf.keepalive_timeout,
    keepAliveMaxTimeout: Math.max(conf.keepalive_timeout, 1000),
    headersTimeout: conf.timeout,
    bodyTimeout: conf.timeout,
    connect: { timeout: conf.timeout, rejectUnauthorized: conf.ssl_verify },
  });
  return {
    agent,
    conf,
    close: () => agent.close().catch(() => agent.destroy()),
  };
}
