import type { JsonSchema } from '@portico/plugin-sdk';

/** A failure talking to a secret store; `message` never contains the secret. */
export class SecretFetchError extends Error {
  constructor(
    message: string,
    /** The store answered that the secret does not exist (AWS ResourceNotFoundException). */
    readonly notFound = false,
  ) {
    super(message);
    this.name = 'SecretFetchError';
  }
}

/** The HTTP a manager needs; `fetch` by default, a fake in unit tests. */
export type HttpFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

/** One `apisix/secret/<name>.lua` equivalent: its conf schema and a lookup. */
export interface SecretManager<Conf = Record<string, unknown>> {
  name: string;
  schema: JsonSchema;
  /**
   * The value of `key` in the store `conf` describes; undefined when the store has no such
   * field. Rejects with SecretFetchError.
   */
  get(conf: Conf, key: string, http: HttpFetch): Promise<string | undefined>;
}

/** The field of a JSON object text, as a string (objects re-encoded), or undefined. */
export function jsonField(text: string, field: string, what: string): string | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // The parser's message quotes the text, which is the secret: name the source only.
    throw new SecretFetchError(`failed to decode result of ${what}: not JSON`);
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const v = (data as Record<string, unknown>)[field];
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}
