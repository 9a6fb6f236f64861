import { createWriteStream, type WriteStream } from 'node:fs';
import type { Logger } from '@portico/plugin-sdk';

/** Bytes a sink may hold unwritten before it drops lines (a stuck disk must not eat memory). */
export const MAX_UNWRITTEN_BYTES = 64 * 1024 * 1024;

/**
 * An append-only log file shared by every file-logger conf naming the same path
 * (APISIX caches one handle per path too). Writes are async and ordered; a stream
 * that fails is dropped and reopened on the next write.
 */
export class FileSink {
  private stream: WriteStream | undefined;
  private pending = 0;
  private waiters: Array<() => void> = [];
  private lastDropLog = 0;
  /** Number of confs holding this sink. */
  refs = 0;

  constructor(
    readonly path: string,
    private readonly logger: Logger,
  ) {}

  private open(): WriteStream {
    const stream = createWriteStream(this.path, { flags: 'a' });
    stream.on('error', (err) => {
      this.logger.error({ path: this.path, err: err.message }, `failed to write file: ${this.path}, error info: ${err.message}`);
      // Reopen on the next write; the failed stream is destroyed by Node already.
      if (this.stream === stream) this.stream = undefined;
    });
    return stream;
  }

  /** Append one line (the caller includes the trailing "\n"): one write call, so lines never interleave. */
  write(line: string): void {
    this.stream ??= this.open();
    if (this.stream.writableLength > MAX_UNWRITTEN_BYTES) {
      const now = Date.now();
      if (now - this.lastDropLog >= 1000) {
        this.logger.error({ path: this.path }, `file-logger: ${this.path} is not keeping up, dropping log lines`);
        this.lastDropLog = now;
      }
      return;
    }
    this.pending++;
    this.stream.write(line, () => {
      this.pending--;
      if (this.pending === 0) for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves once every line written so far has reached the file (or failed). */
  flush(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Close the current handle so the next write reopens the path (log rotation). */
  reopen(): void {
    const old = this.stream;
    this.stream = undefined;
    old?.end();
  }

  /** Flush and close. */
  async close(): Promise<void> {
    await this.flush();
    const old = this.stream;
    this.stream = undefined;
    if (old && !old.destroyed) await new Promise<void>((resolve) => old.end(resolve));
  }
}

const sinks = new Map<string, FileSink>();

/** Take a reference on the sink for `path` (absolute), creating it on first use. */
export function acquireSink(path: string, logger: Logger): FileSink {
  let sink = sinks.get(path);
  if (!sink) {
    sink = new FileSink(path, logger);
    sinks.set(path, sink);
  }
  sink.refs++;
  return sink;
}

/** Drop a reference; the last one closes the file. */
export function releaseSink(sink: FileSink): Promise<void> {
  sink.refs--;
  if (sink.refs > 0) return Promise.resolve();
  if (sinks.get(sink.path) === sink) sinks.delete(sink.path);
  return sink.close();
}

/** Reopen every file-logger file, e.g. on SIGUSR1 after logrotate moved them (APISIX reopens on USR1). */
export function reopenFileLoggers(): void {
  for (const sink of sinks.values()) sink.reopen();
}

/** Number of open sinks (tests). */
export function openSinkCount(): number {
  return sinks.size;
}
