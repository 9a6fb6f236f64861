/** etcd keys of resource objects, from each kind's key layout (relative to the prefix). */
import { childKindAt, resourceKind, type KindName } from './table.js';
import type { ResourceKind } from './types.js';

/**
 * Key of one object (`id` given) or of the kind's directory (no trailing slash). Child kinds
 * live under their parent object: `/consumers/<parentId>/credentials/<id>`.
 */
export function keyOf(kind: ResourceKind, id: string | number | undefined, parentId = ''): string {
  const dir = kind.key.kind === 'child' ? `/${kind.key.parent}/${parentId}/${kind.key.segment}` : `/${kind.name}`;
  return id === undefined ? dir : `${dir}/${String(id)}`;
}

/**
 * Which kind and id a full etcd key holds, or undefined for keys outside the known layouts
 * (directory placeholders, nested keys, the plugin list, kinds not in the table). The id of a
 * child object is `<parentId>/<segment>/<id>`, as APISIX's config sync keys it.
 */
export function classifyKey(prefix: string, key: string): { kind: KindName; id: string } | undefined {
  if (!key.startsWith(prefix + '/')) return undefined;
  const rest = key.slice(prefix.length + 1);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return undefined;
  const dir = rest.slice(0, slash);
  const id = rest.slice(slash + 1);
  const top = resourceKind(dir);
  if (!top || top.key.kind === 'child') return undefined;
  const parts = id.split('/');
  if (top.key.kind === 'typed') return parts.length === 2 && parts[0] && parts[1] ? { kind: top.name, id } : undefined;
  if (!id.includes('/')) return { kind: top.name, id };
  const child = parts.length === 3 && parts[0] && parts[2] ? childKindAt(dir, parts[1]) : undefined;
  return child ? { kind: child.name, id } : undefined;
}
