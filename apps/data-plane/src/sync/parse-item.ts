import type { KeyValue } from '@portico/config-store';
import { checkUpstream, compileSchema, kindOf, type Validator } from '@portico/schemas';
import { classifyKey, type Item, type Kind } from '../snapshot/items.js';
import type { PluginPreparer } from '../snapshot/preparer.js';

/** An etcd value the data plane refuses (logged, then skipped). */
export class InvalidItemError extends Error {
  readonly code = 'invalid_item';
}

const validators = new Map<Kind, Validator>();
function validatorFor(kind: Kind): Validator | undefined {
  const desc = kindOf(kind);
  if (!desc.syncSchema) return undefined;
  let v = validators.get(kind);
  if (!v) {
    v = compileSchema(desc.schema);
    validators.set(kind, v);
  }
  return v;
}

const LUA_FIELDS = ['filter_func', 'script', 'script_id'] as const;

/**
 * Turn one etcd entry into a validated Item (apisix/core/config_etcd.lua load/sync): ignore
 * keys outside the known directories and `init_dir` placeholders, require a JSON object,
 * set `value.id` to the key suffix, check the resource schema, then prepare its plugins.
 * Returns undefined for ignored keys; throws InvalidItemError for invalid values.
 */
export function parseItem(prefix: string, kv: KeyValue, preparer: PluginPreparer): Item | undefined {
  const where = classifyKey(prefix, kv.key);
  if (!where) return undefined;
  if (kv.value === 'init_dir') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(kv.value);
  } catch {
    throw new InvalidItemError(`invalid item data of [${kv.key}]: not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidItemError(`invalid item data of [${kv.key}], it should be an object`);
  }
  const obj = value as Record<string, unknown>;
  obj.id = where.id;
  const err = validatorFor(where.kind)?.(obj);
  if (err !== undefined) throw new InvalidItemError(`failed to check item data of [${kv.key}] err:${err}`);
  // Lua code (route/service `filter_func`, `script`) cannot run here: serving such a route
  // without its filter or script would widen what it matches, so it is refused (fail closed).
  for (const field of LUA_FIELDS) {
    if (obj[field] !== undefined) {
      throw new InvalidItemError(`failed to check item data of [${kv.key}] err:${field} (Lua) is not supported by Portico`);
    }
  }
  const desc = kindOf(where.kind);
  if (desc.upstream === 'self') {
    const uerr = checkUpstream(obj);
    if (uerr !== undefined) throw new InvalidItemError(`failed to check item data of [${kv.key}] err:${uerr}`);
  }
  if (desc.checks.includes('metadata')) {
    try {
      preparer.checkMetadata(where.id, obj);
    } catch (e) {
      throw new InvalidItemError(`failed to check item data of [${kv.key}] err:${(e as Error).message}`);
    }
  }
  const item: Item = { kind: where.kind, key: kv.key, id: where.id, modRevision: kv.modRevision, value: obj };
  const scope = desc.plugins?.scope;
  if (scope) {
    try {
      item.plugins = preparer.prepare(kv.key, kv.modRevision, scope, obj.plugins);
    } catch (e) {
      throw new InvalidItemError(`failed to check item data of [${kv.key}] err:${(e as Error).message}`);
    }
  }
  return item;
}
