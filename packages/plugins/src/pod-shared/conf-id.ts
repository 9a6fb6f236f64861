import { crc32 } from 'node:zlib';

/** JSON with sorted keys, so equal confs hash equally whatever their key order. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * Identity of a plugin conf for pod-shared keys: 8 hex digits of the crc32 of its stable JSON,
 * so every worker derives the same id for the same conf and a changed conf gets new state.
 */
export function confId(conf: unknown): string {
  return crc32(stableJson(conf)).toString(16).padStart(8, '0');
}
