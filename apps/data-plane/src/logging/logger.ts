import type { Logger } from '@portico/plugin-sdk';
import pino from 'pino';

/**
 * Structured error log (pino, JSON lines on stderr). Request headers are never logged as a
 * whole; the redact list is a safety net for objects that carry secrets by name.
 */
export function createLogger(level = process.env.PORTICO_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: { component: 'data-plane' },
      redact: {
        paths: ['headers.authorization', 'headers.apikey', 'headers["x-api-key"]', 'password', 'api_key'],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: 2, sync: false }),
  );
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
