/** PATCH helpers (apisix/core/table.lua merge / patch). */
import { fail } from './errors.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null;
}

/** Lua isarray: arrays and empty tables (an empty JSON object is an empty Lua table). */
function luaIsArray(v: Obj): boolean {
  return Array.isArray(v) || Object.keys(v).length === 0;
}

/**
 * Deep merge of `extend` into `origin` (mutates and returns origin): `null` deletes a key,
 * arrays (either side) are replaced wholesale, objects merge recursively.
 */
export function mergePatch(origin: Obj, extend: Obj): Obj {
  for (const [k, v] of Object.entries(extend)) {
    if (v === null) {
      delete origin[k];
    } else if (isObj(v)) {
      const cur = origin[k];
      if (isObj(cur) && !luaIsArray(cur) && !luaIsArray(v)) mergePatch(cur, v);
      else origin[k] = v;
    } else {
      origin[k] = v;
    }
  }
  return origin;
}

/**
 * Replace the value at a slash-separated sub path (creating missing intermediate objects).
 * Returns the new root (an empty last segment replaces the whole value).
 */
export function patchSubPath(root: Obj, subPath: string, value: unknown): unknown {
  const segs = subPath.split('/');
  let node: unknown = root;
  for (let i = 0; i < segs.length - 1; i++) {
    const name = segs[i]!;
    const obj = node as Obj;
    if (obj[name] === undefined) obj[name] = {};
    node = obj[name];
    if (!isObj(node)) {
      // core/table.lua builds this with table.concat(sub_paths, 1, i): separator "1", from segment i.
      throw fail(`invalid sub-path: /${segs.slice(i).join('1')}`);
    }
  }
  if (!isObj(node)) throw fail(`invalid sub-path: /${subPath}`);
  const last = segs[segs.length - 1];
  if (last) {
    (node as Obj)[last] = value;
    return root;
  }
  return value;
}
