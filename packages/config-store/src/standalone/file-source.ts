/**
 * File-driven standalone mode (`deployment.role_data_plane.config_provider: yaml | json`):
 * reads `conf/apisix.yaml` (or `.json`) at start and whenever its mtime changes (checked every
 * second, as apisix/core/config_yaml.lua does) and mirrors it into a MemoryConfigStore in one
 * revision, so the data plane's normal list + watch sync serves it. A file that cannot be read
 * or parsed, or a YAML file without its final `#END` line, is refused and the previous
 * configuration keeps being served.
 */
import { readFile, stat } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { MemoryConfigStore } from '../memory/memory-store.js';
import { entryValues, resolveEntries, type StandaloneEntry, standaloneEntries } from './entries.js';

export interface FileSourceLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface FileConfigSourceOptions {
  path: string;
  format: 'yaml' | 'json';
  store: MemoryConfigStore;
  /** etcd-style key prefix the data plane reads (deployment.etcd.prefix, `/apisix`). */
  prefix: string;
  logger: FileSourceLogger;
  /** `${{VAR}}` substitution applied to the text before parsing (YAML) or the tree after (JSON). */
  substituteText?: (text: string) => string;
  pollMs?: number;
}

/** Parse a standalone file's text; throws with APISIX's wording on the failures it names. */
export function parseStandaloneText(
  text: string,
  format: 'yaml' | 'json',
  path: string,
  substitute?: (t: string) => string,
): unknown {
  if (format === 'yaml') {
    // APISIX reads the last 10 bytes and wants `#END` at the very end (a half-written file has none).
    if (!/#END\s*$/.test(text.slice(-10))) throw new Error(`missing valid end flag in file ${path}`);
    return parseYaml(substitute ? substitute(text) : text);
  }
  try {
    return JSON.parse(substitute ? substitute(text) : text);
  } catch (e) {
    throw new Error(`failed to decode json: ${(e as Error).message}`);
  }
}

export class FileConfigSource {
  private timer: NodeJS.Timeout | undefined;
  private lastMtime = -1;
  private running: Promise<void> | undefined;
  /** The entries served now (for `modifiedIndex` comparisons). */
  private applied: ReadonlyMap<string, StandaloneEntry> = new Map();

  constructor(private readonly opts: FileConfigSourceOptions) {}

  /** Load once now (resolves after the first attempt, valid or not), then poll. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.opts.pollMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reload when the file's mtime changed; one check at a time. */
  check(): Promise<void> {
    this.running ??= this.reload().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async reload(): Promise<void> {
    const { path, format, store, prefix, logger } = this.opts;
    let mtime: number;
    try {
      mtime = (await stat(path)).mtimeMs;
    } catch (e) {
      if (this.lastMtime !== -2)
        logger.error({ path, err: (e as Error).message }, 'failed to read the standalone configuration file');
      this.lastMtime = -2;
      return;
    }
    if (mtime === this.lastMtime) return;
    this.lastMtime = mtime;
    try {
      const text = await readFile(path, 'utf8');
      const parsed = standaloneEntries(parseStandaloneText(text, format, path, this.opts.substituteText), prefix);
      const entries = resolveEntries(parsed, this.applied);
      const revision = store.replacePrefix(`${prefix}/`, entryValues(entries));
      this.applied = entries;
      logger.info({ path, items: entries.size, revision }, 'standalone configuration loaded');
    } catch (e) {
      logger.error({ path, err: (e as Error).message }, 'standalone configuration refused; serving the previous one');
    }
  }
}
