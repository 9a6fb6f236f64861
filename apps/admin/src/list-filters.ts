/** GET list filters and pagination (apisix/admin/v3_adapter.lua). */
import { AdminError } from './errors.js';
import type { Item } from './store-ops.js';

function safeRegExp(src: string): RegExp | undefined {
  try {
    return new RegExp(src);
  } catch {
    return undefined;
  }
}

/**
 * Apply `name`, `label`, `uri`, `filter` (intersection) then `page`/`page_size`.
 * Returns the page and the total after filtering.
 */
export function filterAndPage(
  items: Item[],
  query: URLSearchParams,
  filterFields: readonly string[] = [],
): { list: Item[]; total: number } {
  let list = items;
  const name = query.get('name');
  if (name !== null) {
    const re = safeRegExp(name);
    list = list.filter((i) => typeof i.value.name === 'string' && !!re?.test(i.value.name));
  }
  const label = query.get('label');
  if (label !== null) {
    list = list.filter((i) => {
      const labels = i.value.labels;
      return typeof labels === 'object' && labels !== null && Object.hasOwn(labels, label);
    });
  }
  const uri = query.get('uri');
  if (uri !== null) {
    const re = safeRegExp(uri);
    list = list.filter((i) => {
      if (!re) return false;
      if (typeof i.value.uri === 'string' && re.test(i.value.uri)) return true;
      return Array.isArray(i.value.uris) && i.value.uris.some((u) => typeof u === 'string' && re.test(u));
    });
  }
  const filter = query.get('filter');
  if (filter !== null) {
    // Stored values are compared with the query strings as is (v3_adapter: item[key] ~= value).
    for (const [k, v] of new URLSearchParams(filter)) {
      if (!filterFields.includes(k)) continue;
      list = list.filter((i) => i.value[k] === v);
    }
  }
  const total = list.length;
  const page = Number(query.get('page') ?? NaN);
  const pageSize = Number(query.get('page_size') ?? NaN);
  if (query.get('page') !== null && query.get('page_size') !== null && !Number.isNaN(page) && !Number.isNaN(pageSize)) {
    if (pageSize < 10 || pageSize > 500) throw new AdminError(400, 'page_size must be between 10 and 500');
    const p = page < 1 ? 1 : Math.floor(page);
    const sorted = [...list].sort((a, b) => a.createdIndex - b.createdIndex);
    list = sorted.slice((p - 1) * pageSize, p * pageSize);
  }
  return { list, total };
}
