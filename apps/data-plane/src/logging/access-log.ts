import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AuthSources } from '@portico/plugins/redact';
import pino from 'pino';
import type { VarSource } from '../router/expr.js';
import { compileLogFormat, DEFAULT_ACCESS_LOG_FORMAT, type LogEscape, type LogTemplate } from './access-log-format.js';

type Destination = ReturnType<typeof pino.destination>;

/**
 * The access log: one line per request in the configured nginx format, written through an
 * asynchronous buffered destination (sonic-boom via pino.destination) so a request never
 * waits on disk.
 */
export class AccessLog {
  private readonly template: LogTemplate;
  private readonly dest: Destination;

  constructor(opts: { format?: string; escape?: string; target: string }) {
    this.template = compileLogFormat(opts.format || DEFAULT_ACCESS_LOG_FORMAT, (opts.escape as LogEscape) || 'default');
    if (opts.target === 'stdout' || opts.target === '-' || opts.target === '/dev/stdout') {
      this.dest = pino.destination({ dest: 1, sync: false });
    } else {
      const file = resolve(opts.target);
      mkdirSync(dirname(file), { recursive: true });
      this.dest = pino.destination({ dest: file, sync: false, mkdir: true });
    }
  }

  /** Write one line; `sources` names the credential headers/args of the plugins in effect. */
  write(vars: VarSource, sources?: AuthSources): void {
    this.dest.write(this.template(vars, sources) + '\n');
  }

  /** Flush buffered lines and close the file. */
  close(): Promise<void> {
    return new Promise((res) => {
      const d = this.dest as Destination & { fd?: number };
      const finish = (): void => res();
      try {
        if (d.fd === undefined || d.fd < 0) return finish();
        d.once('close', finish);
        d.once('error', finish);
        d.end();
      } catch {
        finish();
      }
    });
  }
}
