import type { KeyValue } from '@portico/config-store';
import { isStoredObject, kindOf, storedValueError } from '@portico/schemas';
import { classifyKey, type Item } from '../snapshot/items.js';
import type { PluginPreparer } from '../snapshot/preparer.js';

/** An etcd value the data plane refuses (logged, then skipped). */
export class InvalidItemError extends Error {
  readonly code = 'invalid_item';
}

/**
 * Turn one etcd entry into a validated Item (apisix/core/config_etcd.lua load/sync): ignore
 * keys outside the known directories and `init_dir` placeholders, require a JSON object,
 * set `value.id` to the key suffix, run the shared stored-value check (@portico/schemas), then
 * check plugin metadata and prepare the plugins.
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
  if (!isStoredObject(value)) {
    throw new InvalidItemError(`invalid item data of [${kv.key}], it should be an object`);
  }
  const obj = value;
  obj.id = where.id;
  // The check the Admin API applies before it writes (schema, Lua fields, upstream, plugins shape).
  const desc = kindOf(where.kind);
  const err = storedValueError(desc, obj);
  if (err !== undefined) throw new InvalidItemError(`failed to check item data of [${kv.key}] err:${err}`);
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
