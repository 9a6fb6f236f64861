/** Stored objects of one kind, as the reference checks scan them. */
import { childKinds, keyOf, type ResourceKind } from '@portico/schemas';
import type { AdminContext } from '../context.js';
import type { Item } from '../store-ops.js';

/** Whether a listed key belongs to a child kind of `kind` (a consumer's credentials). */
export function isChildKey(kind: ResourceKind, key: string): boolean {
  return childKinds(kind.name).some((c) => key.includes(`/${c.key.segment}/`));
}

/** Every stored object of a top-level kind, children left out, in key order. */
export async function listOf(ctx: AdminContext, kind: ResourceKind): Promise<Item[]> {
  const items = await ctx.store.list(`${keyOf(kind, undefined)}/`);
  return items.filter((i) => !isChildKey(kind, i.key));
}

/**
 * The id an object is reported by in messages: its identity field (consumers: `username`) or
 * `id`; the key suffix when absent (APISIX's config sync sets `value.id` to it).
 */
export function displayId(kind: ResourceKind, item: Item): string {
  const field = kind.id.kind === 'field' ? kind.id.field : 'id';
  return String(item.value[field] ?? item.key.slice(item.key.lastIndexOf('/') + 1));
}
