/** What the fault mock does with one request. */
export type Fault =
  /** A normal answer (JSON or SSE); `delayMs` before the first token. */
  | { kind: 'ok'; delayMs?: number }
  /** An error status with an OpenAI-style JSON body and optional rate-limit headers. */
  | {
      kind: 'status';
      status: number;
      /** `Retry-After` value (seconds or an HTTP date). */
      retryAfter?: string;
      /** `x-ratelimit-reset-requests` / `-tokens` values (e.g. `1.5s`), remaining set to 0. */
      resetRequests?: string;
      resetTokens?: string;
      delayMs?: number;
    }
  /** Destroy the connection before any response byte (a TCP reset as the client sees it). */
  | { kind: 'reset'; delayMs?: number }
  /**
   * SSE: send `afterEvents` content events and half of the next, then cut the connection (no
   * [DONE]); with `graceful` the response ends normally instead (a clean end mid-event).
   */
  | { kind: 'truncate'; afterEvents: number; graceful?: boolean }
  /** SSE: a 200 head, then an error event (`data: {"error": …}`) before any token. */
  | { kind: 'error_event'; afterEvents?: number }
  /** A 200 head at once, the first token only after `delayMs` (SSE), or the body after it (JSON). */
  | { kind: 'slow_first_token'; delayMs: number };

export type FaultKind = Fault['kind'];

export interface MockFaultsOptions {
  host?: string;
  port?: number;
  /** Faults for the first requests, in order; later requests use `random`, then `fallback`. */
  script?: Fault[];
  /** Faults drawn by probability for each unscripted request (seeded: the same sequence every run). */
  random?: { fault: Fault; p: number }[];
  /** Seed of `random` (default 1). */
  seed?: number;
  /** Answer of a request no script or draw decided (default `{kind: 'ok'}`). */
  fallback?: Fault;
  /** Assistant text (split into `chunks` SSE events). */
  content?: string;
  chunks?: number;
  /** Pause between SSE events (ms). */
  intervalMs?: number;
  /** `model` of the answers (default: the requested one). */
  model?: string;
}

/** One request as the mock saw it, with the fault it got. */
export interface FaultRecord {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  fault: FaultKind;
  receivedAt: number;
}

export interface MockFaults {
  url: string;
  port: number;
  requests: FaultRecord[];
  /** Requests served per fault kind. */
  counts(): Record<FaultKind, number>;
  /** Replace the script / random table / fallback for later requests. */
  configure(opts: Pick<MockFaultsOptions, 'script' | 'random' | 'fallback' | 'seed'>): void;
  close(): Promise<void>;
}
