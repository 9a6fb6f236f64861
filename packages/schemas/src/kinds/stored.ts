/**
 * What a stored value of a kind must be for every data plane to load it. One check, used by
 * the Admin API as the last gate before a write and by the data plane's config sync, so the
 * admin never persists a value the data planes would skip.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { checkUpstream } from '../upstream-check.js';
import { compileSchema } from '../validator/compile.js';
import type { ResourceKind } from './types.js';

type Obj = Record<string, unknown>;

/** A JSON object (not an array, not null): the only shape a stored value may have. */
export function isStoredObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEmptyArray(v: unknown): boolean {
  return Array.isArray(v) && v.length === 0;
}

/**
 * The form APISIX stores a decoded body in: cjson decodes `[]` to an empty Lua table and
 * encodes that back as `{}`. Applied where the kind expects an object (the value itself, its
 * `plugins` map, each plugin conf); mutates nested values, returns the (possibly new) root.
 */
export function storedForm(kind: ResourceKind, value: unknown): unknown {
  const root = isEmptyArray(value) ? {} : value;
  if (!kind.plugins || !isStoredObject(root)) return root;
  if (isEmptyArray(root.plugins)) root.plugins = {};
  if (isStoredObject(root.plugins)) {
    const map = root.plugins;
    for (const name of Object.keys(map)) if (isEmptyArray(map[name])) map[name] = {};
  }
  return root;
}

/** Fields holding Lua source: no Lua runtime runs them, so no data plane serves such an object. */
export const LUA_FIELDS = ['filter_func', 'script', 'script_id'] as const;

const validators = new WeakMap<object, ReturnType<typeof compileSchema>>();
function validatorOf(kind: ResourceKind): ReturnType<typeof compileSchema> {
  let v = validators.get(kind);
  if (!v) validators.set(kind, (v = compileSchema(kind.schema)));
  return v;
}

/**
 * Why a data plane would skip this stored object (its `id` already set to the key suffix), or
 * undefined. Checks IN PLACE (schema defaults are written; pass a copy when they must not
 * persist): the kind's schema, Lua fields, the upstream check of an upstream, and the shape of
 * the `plugins` map (an object of objects; with `plugin`, names the node knows).
 */
export function storedValueError(
  kind: ResourceKind,
  value: Obj,
  plugin?: (name: string) => PluginDefinition | undefined,
): string | undefined {
  if (kind.syncSchema) {
    const err = validatorOf(kind)(value);
    if (err !== undefined) return err;
  }
  // Serving such an object without its filter or script would widen what it matches: refused.
  for (const field of LUA_FIELDS) {
    if (value[field] !== undefined) return `${field} (Lua) is not supported by Portico`;
  }
  if (kind.upstream === 'self') {
    const err = checkUpstream(value);
    if (err !== undefined) return err;
  }
  const map = value.plugins;
  if (!kind.plugins || map === undefined || map === null) return undefined;
  if (!isStoredObject(map)) return 'invalid plugins: should be an object';
  for (const [name, conf] of Object.entries(map)) {
    if (plugin && !plugin(name)) return `unknown plugin [${name}]`;
    if (!isStoredObject(conf)) return `invalid plugin conf ${JSON.stringify(conf)} for plugin [${name}]`;
  }
  return undefined;
}
