import { randomInt } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { Document, isMap, isSeq, parseDocument } from 'yaml';
import { ConfError } from './errors.js';
import type { AdminKey, PorticoConf } from './types.js';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A 32-character random key of ASCII letters, the shape APISIX autogenerates (apisix/core/id.lua). */
export function generateAdminKey(): string {
  let key = '';
  for (let i = 0; i < 32; i++) key += LETTERS[randomInt(LETTERS.length)];
  return key;
}

/**
 * APISIX autogenerate_admin_key: in the traditional and control_plane roles, every `admin`-role
 * entry with an empty key gets a random key, written back into the config file so that
 * `yq '.deployment.admin.admin_key[0].key' conf/config.yaml` prints it. Unlike APISIX, which
 * re-dumps the whole merged config, only the key scalars change: comments and layout stay.
 */
export async function ensureAdminKey(conf: PorticoConf): Promise<PorticoConf> {
  const { role, admin } = conf.deployment;
  if (role === 'data_plane') return conf;
  const missing = admin.adminKey.map((k, i) => (k.role === 'admin' && k.key === '' ? i : -1)).filter((i) => i >= 0);
  if (missing.length === 0) return conf;

  const keys: AdminKey[] = admin.adminKey.map((k, i) => (missing.includes(i) ? { ...k, key: generateAdminKey() } : k));
  await writeBack(conf.path, keys, missing);

  const raw = structuredClone(conf.raw);
  const rawAdmin = (raw.deployment as Record<string, Record<string, unknown>>).admin as Record<string, unknown>;
  rawAdmin.admin_key = keys.map((k) => ({ ...k }));
  return { ...conf, deployment: { ...conf.deployment, admin: { ...admin, adminKey: keys } }, raw };
}

async function writeBack(path: string, keys: AdminKey[], changed: number[]): Promise<void> {
  try {
    const text = await readFile(path, 'utf8');
    const doc = parseDocument(text);
    if (doc.contents === null) {
      // A file with only comments: append the keys after them.
      const sep = text === '' || text.endsWith('\n') ? '' : '\n';
      const added = new Document({ deployment: { admin: { admin_key: keys.map((k) => ({ ...k })) } } });
      await writeFile(path, text + sep + added.toString());
      return;
    }
    const list = doc.getIn(['deployment', 'admin', 'admin_key'], true);
    if (isSeq(list)) {
      let edited = false;
      for (const i of changed) {
        const item = list.items[i];
        // A key templated with ${{VAR}} that resolved to '' is left alone in the file.
        const current = isMap(item) ? item.get('key') : undefined;
        if (typeof current === 'string' && current.includes('${{')) continue;
        doc.setIn(['deployment', 'admin', 'admin_key', i, 'key'], keys[i]?.key ?? '');
        edited = true;
      }
      if (!edited) return;
    } else {
      // admin_key came from the defaults: write the whole list so yq can read it.
      doc.setIn(['deployment', 'admin', 'admin_key'], doc.createNode(keys.map((k) => ({ ...k }))));
    }
    await writeFile(path, doc.toString());
  } catch (e) {
    throw new ConfError('conf_write', `failed to write the generated admin key to ${path}: ${(e as Error).message}`);
  }
}
