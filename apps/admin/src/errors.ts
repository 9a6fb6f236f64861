/**
 * Typed Admin API errors. Every failure is an AdminError carrying the exact APISIX status and
 * body; app.ts maps them to HTTP in one place (Hono onError).
 */

export type AdminErrorBody = Record<string, unknown> | string;

export class AdminError extends Error {
  readonly status: number;
  readonly body: AdminErrorBody;
  /**
   * Whether the response gets `X-API-VERSION`: APISIX sets it on whatever a resource method
   * returns, but not on the early exits of apisix/admin/init.lua run() (401, body/ttl 400s,
   * `Unsupported resource type`, `not found`).
   */
  readonly versioned: boolean;

  constructor(status: number, body: AdminErrorBody, opts: { versioned?: boolean } = {}) {
    super(
      typeof body === 'string'
        ? body
        : String((body as { error_msg?: unknown }).error_msg ?? (body as { message?: unknown }).message ?? status),
    );
    this.name = 'AdminError';
    this.status = status;
    this.body = body;
    this.versioned = opts.versioned ?? true;
  }
}

/** `{"error_msg": msg}` with the given status (default 400), from a resource method. */
export function fail(msg: string, status = 400): AdminError {
  return new AdminError(status, { error_msg: msg });
}

/** An early exit of run(): no X-API-VERSION header. */
export function earlyFail(status: number, body: AdminErrorBody): AdminError {
  return new AdminError(status, body, { versioned: false });
}

/** etcd-style 404 (apisix/core/etcd.lua not_found): note `message`, not `error_msg`. */
export function keyNotFound(): AdminError {
  return new AdminError(404, { message: 'Key not found' });
}
