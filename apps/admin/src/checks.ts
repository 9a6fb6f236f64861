/** Checks shared by several resources (apisix/admin/routes.lua, services.lua, plugin.lua). */
import type { SchemaType } from '@portico/plugin-sdk';
import { checkPlugins, checkUpstream, compileSchema } from '@portico/schemas';
import type { JsonSchema } from '@portico/plugin-sdk';
import type { AdminContext } from './context.js';
import { fail } from './errors.js';

/** Schema check with the `invalid configuration: ` prefix. */
export function checkSchema(schema: JsonSchema, conf: unknown): void {
  const err = compileSchema(schema)(conf);
  if (err !== undefined) throw fail(`invalid configuration: ${err}`);
}

/** Plugin map check (apisix/plugin.lua check_schema); prefix for consumers/credentials. */
export function checkPluginsOf(ctx: AdminContext, plugins: unknown, type: SchemaType, prefix = ''): void {
  if (plugins === undefined) return;
  const err = checkPlugins(plugins as Record<string, unknown>, (n) => ctx.plugin(n), type);
  if (err !== undefined) throw fail(prefix + err);
}

/** Inline upstream check (apisix/upstream.lua check_upstream_conf). */
export function checkUpstreamConf(upstream: unknown): void {
  if (upstream === undefined) return;
  const err = checkUpstream(upstream as Record<string, unknown>);
  if (err !== undefined) throw fail(err);
}

/** `failed to fetch <what> info by <what> id [x], response code: 404` when a referenced object is missing. */
export async function checkReference(ctx: AdminContext, dir: string, what: string, id: unknown): Promise<void> {
  if (id === undefined) return;
  const item = await ctx.store.get(`/${dir}/${String(id)}`);
  if (!item) throw fail(`failed to fetch ${what} info by ${what} id [${String(id)}], response code: 404`);
}

/** First stored object of `dir` whose `field` equals id (as strings), for delete reference checks. */
export async function findReferrer(ctx: AdminContext, dir: string, field: string, id: string): Promise<unknown> {
  for (const item of await ctx.store.list(`/${dir}/`)) {
    const v = item.value[field];
    if (v !== undefined && v !== null && String(v) === id) return item.value.id;
  }
  return undefined;
}
