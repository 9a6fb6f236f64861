/**
 * Checks that need the store, driven by the kind table: referenced objects exist on write
 * (`references`), nothing still uses an object on DELETE (`deleteGuard`), a plugin appears in
 * one object of a kind only (`plugins.uniqueAcrossKind`).
 */
import { keyOf, resourceKind, type Referrer, type ResourceKind } from '@portico/schemas';
import type { AdminContext } from '../context.js';
import { fail } from '../errors.js';
import type { Item } from '../store-ops.js';
import { displayId, listOf } from './stored.js';

/** `failed to fetch <word> info by <word> id [x], response code: 404` for the first missing reference. */
export async function checkReferences(ctx: AdminContext, kind: ResourceKind, conf: Record<string, unknown>): Promise<void> {
  for (const ref of kind.references ?? []) {
    const id = conf[ref.field];
    const target = resourceKind(ref.kind);
    if (id === undefined || !target) continue;
    if (!(await ctx.store.get(keyOf(target, String(id))))) {
      throw fail(`failed to fetch ${target.word} info by ${target.word} id [${String(id)}], response code: 404`);
    }
  }
}

/** traffic-split `rules[].weighted_upstreams[].upstream_id` naming id (upstreams.lua up_id_in_plugins). */
function usedByPlugins(plugins: unknown, id: string): boolean {
  const ts = (plugins as Record<string, { rules?: unknown }> | undefined)?.['traffic-split'];
  if (!ts || !Array.isArray(ts.rules)) return false;
  for (const rule of ts.rules as { weighted_upstreams?: unknown }[]) {
    if (!Array.isArray(rule?.weighted_upstreams)) continue;
    for (const wu of rule.weighted_upstreams as { upstream_id?: unknown }[]) {
      if (wu?.upstream_id !== undefined && String(wu.upstream_id) === id) return true;
    }
  }
  return false;
}

function usage(item: Item, r: Referrer, id: string): 'plugin' | 'field' | undefined {
  if (r.viaPlugins && usedByPlugins(item.value.plugins, id)) return 'plugin';
  const v = r.field === undefined ? undefined : item.value[r.field];
  if (v !== undefined && v !== null && String(v) === id) return 'field';
  return undefined;
}

/** The DELETE refusal message while another object still uses `id`, or undefined. */
export async function deleteRefusal(ctx: AdminContext, kind: ResourceKind, id: string): Promise<string | undefined> {
  const guard = kind.deleteGuard;
  if (!guard) return undefined;
  for (const r of guard.referrers) {
    const source = resourceKind(r.kind);
    if (!source) continue;
    for (const item of await listOf(ctx, source)) {
      const how = usage(item, r, id);
      if (how === undefined) continue;
      const who = `${how === 'plugin' ? 'plugin in ' : ''}${r.label} [${displayId(source, item)}]`;
      return `${guard.message}, ${who} is still using it now`;
    }
  }
  return undefined;
}

/** `plugin '<name>' already exists in <word> with id '<id>'` when another object of the kind has one of the plugins. */
export async function checkPluginsUniqueAcrossKind(
  ctx: AdminContext,
  kind: ResourceKind,
  id: string | number | undefined,
  plugins: Record<string, unknown>,
): Promise<void> {
  for (const item of await listOf(ctx, kind)) {
    const other = item.value;
    if (other.id === undefined || String(other.id) === String(id)) continue;
    const otherPlugins = other.plugins as Record<string, unknown> | undefined;
    if (!otherPlugins) continue;
    for (const name of Object.keys(plugins)) {
      if (otherPlugins[name] !== undefined) {
        throw fail(`plugin '${name}' already exists in ${kind.word} with id '${String(other.id)}'`);
      }
    }
  }
}
