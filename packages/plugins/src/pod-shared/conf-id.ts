import { crc32 } from 'node:zlib';
import { stableJson } from './stable-json.js';

export { stableJson };

/**
 * Identity of a plugin conf for pod-shared keys: 8 hex digits of the crc32 of its stable JSON,
 * so every worker derives the same id for the same conf and a changed conf gets new state.
 */
export function confId(conf: unknown): string {
  return crc32(stableJson(conf)).toString(16).padStart(8, '0');
}
