/**
 * API-driven standalone mode (deployment.role: traditional, role_traditional.config_provider:
 * yaml; apisix/admin/standalone.lua): the whole configuration is replaced with
 * `PUT /apisix/admin/configs` (an `X-Digest` header required; the same digest again is a 204),
 * read back with GET (JSON or YAML) and HEAD. Per-resource `<res>_conf_version` numbers may
 * only grow; a resource whose version did not move keeps its items. The accepted configuration
 * is written to the standalone file (atomically, ending in `#END`), which the data plane follows.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { parseStandaloneText } from '@portico/config-store';
import { STANDALONE_KIND_NAMES } from '@portico/schemas';
import { stringify } from 'yaml';
import type { AdminContext } from '../context.js';
import { earlyFail } from '../errors.js';
import { CONF_VERSION_KEYS, validateConfiguration } from './validate.js';

export const LAST_MODIFIED = 'X-Last-Modified';
export const DIGEST = 'X-Digest';

type Config = Record<string, unknown>;

export interface ConfigsReply {
  status: number;
  body?: string;
  headers: Record<string, string>;
}

export class StandaloneConfigs {
  private config: Config | undefined;
  private readonly loaded: Promise<void>;

  constructor(
    private readonly ctx: AdminContext,
    private readonly file: string,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
    logger?: { warn(obj: object, msg: string): void },
  ) {
    this.loaded = this.load().catch((e: unknown) => {
      logger?.warn({ file, err: (e as Error).message }, 'standalone configuration file not loaded; starting empty');
    });
  }

  /** The last accepted configuration (the file), if any: it survives a restart. */
  private async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return;
    }
    const parsed = parseStandaloneText(text, 'yaml', this.file);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) this.config = parsed as Config;
  }

  private meta(): Record<string, string> {
    const h: Record<string, string> = {};
    if (this.config?.[LAST_MODIFIED] !== undefined) h[LAST_MODIFIED] = String(this.config[LAST_MODIFIED]);
    if (this.config?.[DIGEST] !== undefined) h[DIGEST] = String(this.config[DIGEST]);
    return h;
  }

  async head(): Promise<ConfigsReply> {
    await this.loaded;
    return { status: 200, headers: this.meta() };
  }

  async get(accept: string | undefined): Promise<ConfigsReply> {
    await this.loaded;
    const config = this.config ?? Object.fromEntries(CONF_VERSION_KEYS.map((k) => [k, 0]));
    if (accept?.startsWith('application/yaml')) {
      return { status: 200, body: stringify(config), headers: { ...this.meta(), 'Content-Type': 'application/yaml' } };
    }
    return { status: 200, body: JSON.stringify(config), headers: { ...this.meta(), 'Content-Type': 'application/json' } };
  }

  async put(body: unknown, digest: string | undefined): Promise<ConfigsReply> {
    await this.loaded;
    if (digest === undefined) throw earlyFail(400, { error_msg: 'missing digest header' });
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw earlyFail(400, { error_msg: 'invalid request body: empty request body' });
    if (this.config && this.config[DIGEST] === digest) return { status: 204, headers: {} };
    const req = body as Config;
    const checked = await validateConfiguration(this.ctx, req, false);
    if (!checked.valid) throw earlyFail(400, { error_msg: checked.first });
    const next: Config = {};
    for (const dir of STANDALONE_KIND_NAMES) {
      const key = `${dir}_conf_version`;
      const current = (this.config?.[key] as number | undefined) ?? 0;
      let version = req[key] as number | undefined;
      if (version !== undefined && version < current) {
        throw earlyFail(400, { error_msg: `${key} must be greater than or equal to (${current})` });
      }
      version ??= current + 1;
      next[key] = version;
      const items = version === current ? this.config?.[dir] : req[dir];
      if (Array.isArray(items) && items.length > 0) next[dir] = items;
    }
    next[LAST_MODIFIED] = this.now();
    next[DIGEST] = digest;
    await this.persist(next);
    this.config = next;
    return { status: 202, headers: this.meta() };
  }

  /** Write the file the data plane follows: JSON (valid YAML) ending with `#END`, renamed into place. */
  private async persist(config: Config): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(config, null, 2)}\n#END\n`);
    await rename(tmp, this.file);
  }
}
