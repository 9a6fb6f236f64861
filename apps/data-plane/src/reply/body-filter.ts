import type { RequestCtx } from '../context.js';
import type { PreparedPlugin } from '../chain/chain.js';

/** The body filters in effect for a response: global rules first, then the route's chain. */
export type BodyFilters = readonly (readonly PreparedPlugin[])[];

const EMPTY = new Uint8Array(0);

/**
 * The non-empty body filter lists of this request, or undefined when no plugin in effect has
 * a bodyFilter (the common case: chunks are then written untouched, without a call per chunk).
 */
export function bodyFiltersOf(ctx: RequestCtx): BodyFilters | undefined {
  let out: (readonly PreparedPlugin[])[] | undefined;
  for (const g of ctx.globals) if (g.bodyFilter.length > 0) (out ??= []).push(g.bodyFilter);
  const chain = ctx.chain;
  if (chain !== undefined && chain.bodyFilter.length > 0) (out ??= []).push(chain.bodyFilter);
  return out;
}

/**
 * Pass one chunk through every body filter (APISIX body_filter phase): each plugin gets the
 * previous one's output. A throwing filter is logged and skipped, as a failing header filter.
 */
export function runBodyFilters(ctx: RequestCtx, filters: BodyFilters, chunk: Uint8Array | undefined, eof: boolean): Uint8Array {
  let cur = chunk ?? EMPTY;
  for (const list of filters) {
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      if (p.filter !== undefined && !p.filter(ctx.vars)) continue;
      try {
        const r = p.module.bodyFilter!(ctx, p.state, cur, eof);
        if (r !== undefined) cur = r;
      } catch (e) {
        ctx.logger.error({ plugin: p.name, err: (e as Error).message }, 'body_filter failed');
      }
    }
  }
  return cur;
}

/** A Uint8Array as a Buffer without copying. */
export function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
