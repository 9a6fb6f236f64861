import type { PushBody } from '@portico/plugin-sdk';

/** True when a Reply body is a PushBody (streamed by its producer). */
export function isPushBody(v: unknown): v is PushBody {
  return v !== null && typeof v === 'object' && typeof (v as PushBody).pushTo === 'function';
}
