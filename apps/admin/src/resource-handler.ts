/**
 * The generic resource handler (apisix/admin/resource.lua): GET one/list, PUT, POST, PATCH,
 * DELETE for any resource kind of the @portico/schemas table. Throws AdminError for every failure.
 */
import {
  childKinds,
  isStoredObject,
  keyOf,
  resourceKind,
  storedForm,
  storedValueError,
  type ResourceKind,
} from '@portico/schemas';
import type { AdminContext, Method } from './context.js';
import { checkSchema } from './checks.js';
import { fail, keyNotFound } from './errors.js';
import { filterAndPage } from './list-filters.js';
import { mergePatch, patchSubPath } from './patch.js';
import { checkResource } from './resources/check.js';
import { decryptStored, encryptStored, hideOnRead } from './resources/encryption.js';
import { deleteRefusal } from './resources/references.js';
import { isChildKey } from './resources/stored.js';
import type { Item } from './store-ops.js';

type Obj = Record<string, unknown>;

export interface ResourceRequest {
  method: Method;
  /** URL id segment (decoded), undefined when absent. */
  id: string | undefined;
  /** Id of the parent object of a child kind (`/consumers/<parentId>/credentials/...`); '' otherwise. */
  parentId: string;
  /** Segments after the id joined with "/" ("" when none). */
  subPath: string;
  /** Parsed JSON body; undefined when the request had no body. */
  body: unknown;
  query: URLSearchParams;
  ttl: number | undefined;
}

export interface ResourceResponse {
  status: number;
  body: unknown;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null;
}

/** Lua truthiness of a decoded JSON value (only nil and false are falsy; JSON null is a userdata). */
function truthy(v: unknown): boolean {
  return v !== undefined && v !== false;
}

const FORBIDDEN = ['create_time', 'update_time'];

/** Read-merge-write rounds a PATCH tries before answering APISIX's conflict 503. */
const PATCH_ATTEMPTS = 5;

/** resource.lua check_forbidden_properties (note the double space in the message). */
function checkForbidden(conf: unknown): void {
  if (!isObj(conf)) return;
  const scopes: [unknown, string][] = [
    [conf, ''],
    [conf.upstream, 'upstream.'],
    [conf.plugins, 'plugins.'],
  ];
  for (const [obj, prefix] of scopes) {
    if (prefix && !truthy(obj)) continue;
    if (!isObj(obj)) continue;
    for (const f of FORBIDDEN) if (truthy(obj[f])) throw fail(`the property is forbidden:  ${prefix}${f}`);
  }
}

export class ResourceHandler {
  constructor(
    private readonly ctx: AdminContext,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async handle(desc: ResourceKind, req: ResourceRequest): Promise<ResourceResponse> {
    if (desc.unsupported?.includes(req.method)) {
      throw fail(`not supported \`${req.method.toUpperCase()}\` method for ${desc.word}`, 405);
    }
    switch (req.method) {
      case 'get':
        return this.get(desc, req);
      case 'put':
        return this.put(desc, req);
      case 'post':
        return this.post(desc, req);
      case 'patch':
        return this.patch(desc, req);
      case 'delete':
        return this.delete(desc, req);
    }
  }

  /** resource.lua check_conf: id rules, forbidden timestamps, checker on a deep copy, encryption. */
  private async checkConf(
    desc: ResourceKind,
    urlId: string | number | undefined,
    conf: unknown,
    needId: boolean,
    allowTime: boolean,
    parentId: string,
  ): Promise<string | number | undefined> {
    if (conf === undefined) throw fail('missing configurations');
    let id = urlId;
    if (desc.id.kind === 'id') {
      const bodyId = isObj(conf) && !Array.isArray(conf) ? conf.id : undefined;
      if (id === undefined && (typeof bodyId === 'string' || typeof bodyId === 'number')) id = bodyId;
      if (needId && id === undefined) throw fail(`missing ${desc.word} id`);
      if (!needId && id !== undefined) throw fail(`wrong ${desc.word} id, do not need it`);
      if (needId && truthy(bodyId) && String(bodyId) !== String(id)) throw fail(`wrong ${desc.word} id`);
      if (isObj(conf) && id !== undefined) conf.id = id;
    }
    if (!allowTime) checkForbidden(conf);
    // A body that is not an object (JSON null, a number, a string) fails the schema's type
    // check before any resource-specific check reads its fields.
    if (!isObj(conf) && desc.schema) checkSchema(desc.schema, conf);
    const copy = structuredClone(conf) as Obj;
    const identity = await checkResource(this.ctx, desc, id, copy, parentId);
    this.checkStorable(desc, conf, identity, parentId);
    encryptStored(this.ctx, desc, conf as Obj, identity);
    return identity;
  }

  /**
   * The last gate before a write: the data planes' own check of a stored value (shared from
   * @portico/schemas), on a copy carrying the id they will see (the key suffix).
   */
  private checkStorable(desc: ResourceKind, conf: unknown, identity: string | number | undefined, parentId: string): void {
    if (!isStoredObject(conf)) throw fail('invalid configuration: it should be an object');
    const copy = structuredClone(conf);
    if (identity !== undefined) {
      const key = keyOf(desc, identity, parentId);
      copy.id = key.slice(key.indexOf('/', 1) + 1);
    }
    const err = storedValueError(desc, copy, (n) => this.ctx.plugin(n));
    if (err !== undefined) throw fail(`invalid configuration: ${err}`);
  }

  private async get(desc: ResourceKind, req: ResourceRequest): Promise<ResourceResponse> {
    const key = keyOf(desc, req.id, req.parentId);
    const store = this.ctx.store;
    if (req.id !== undefined) {
      const item = await store.mustGet(key);
      decryptStored(this.ctx, desc, item.value);
      hideOnRead(desc, item.value);
      return { status: 200, body: item };
    }
    let items: Item[] = await store.list(`${key}/`);
    items = items.filter((i) => !isChildKey(desc, i.key));
    // No placeholder key exists under a parent object (a consumer's credentials): an empty dir is a 404 (core/etcd.lua).
    if (desc.key.kind === 'child' && items.length === 0) throw keyNotFound();
    for (const i of items) {
      decryptStored(this.ctx, desc, i.value);
      hideOnRead(desc, i.value);
    }
    const { list, total } = filterAndPage(items, req.query, desc.listFilterFields);
    return { status: 200, body: { list, total } };
  }

  private async put(desc: ResourceKind, req: ResourceRequest): Promise<ResourceResponse> {
    const conf = storedForm(desc, req.body);
    const id = await this.checkConf(desc, req.id, conf, desc.id.kind === 'id', false, req.parentId);
    const value = conf as Obj;
    const key = keyOf(desc, id, req.parentId);
    const store = this.ctx.store;
    const parent = desc.key.kind === 'child' ? resourceKind(desc.key.parent) : undefined;
    if (parent && !(await store.get(keyOf(parent, req.parentId)))) throw fail(`${parent.word} not found`, 404);
    if (desc.id.kind === 'name') value.id = id;
    if (desc.timestamps) {
      const prev = await store.get(key);
      const now = this.now();
      if (!truthy(value.create_time)) value.create_time = prev?.value.create_time ?? now;
      if (!truthy(value.update_time)) value.update_time = now;
    }
    const status = await store.set(key, value, req.ttl);
    return { status, body: { key: store.full(key), value } };
  }

  private async post(desc: ResourceKind, req: ResourceRequest): Promise<ResourceResponse> {
    const conf = storedForm(desc, req.body);
    await this.checkConf(desc, req.id, conf, false, false, req.parentId);
    const value = conf as Obj;
    const now = this.now();
    if (desc.timestamps) {
      if (!truthy(value.create_time)) value.create_time = now;
      if (!truthy(value.update_time)) value.update_time = now;
    }
    const store = this.ctx.store;
    const id = await store.genId();
    value.id = id;
    const key = keyOf(desc, id, req.parentId);
    await store.set(key, value, req.ttl);
    return { status: 201, body: { key: store.full(key), value } };
  }

  private async patch(desc: ResourceKind, req: ResourceRequest): Promise<ResourceResponse> {
    if (req.id === undefined) throw fail(`missing ${desc.word} id`);
    const key = keyOf(desc, req.id, req.parentId);
    const conf = req.body;
    if (conf === undefined) throw fail('missing new configuration');
    if (!req.subPath && (!isObj(conf) || Array.isArray(conf))) throw fail('invalid configuration');
    // A concurrent write between the read and the CAS write: merge again into the newer value.
    for (let attempt = 1; ; attempt++) {
      const res = await this.patchOnce(desc, req, key, structuredClone(conf));
      if (res) return res;
      if (attempt === PATCH_ATTEMPTS) throw fail('value changed before overwritten', 503);
    }
  }

  /** One read-merge-check-CAS round of a PATCH; undefined when the value changed meanwhile. */
  private async patchOnce(
    desc: ResourceKind,
    req: ResourceRequest,
    key: string,
    conf: unknown,
  ): Promise<ResourceResponse | undefined> {
    const store = this.ctx.store;
    const old = await store.mustGet(key);
    // Stored encrypt_fields are ciphertext: decrypt before merging so they are not encrypted twice.
    decryptStored(this.ctx, desc, old.value);
    let node: unknown = old.value;
    const now = this.now();
    if (req.subPath) {
      node = patchSubPath(old.value, req.subPath, conf);
      if (!isObj(node)) throw fail('invalid configuration');
      if (!truthy(node.create_time)) node.create_time = now;
      node.update_time = now;
    } else {
      node = mergePatch(old.value, conf as Obj);
      const n = node as Obj;
      if (!truthy(n.create_time)) n.create_time = now;
      if (!truthy(n.update_time) || (conf as Obj).update_time === undefined) n.update_time = now;
    }
    node = storedForm(desc, node);
    await this.checkConf(desc, req.id, node, true, true, req.parentId);
    if (!(await store.casSet(key, node, old.modifiedIndex, req.ttl))) return undefined;
    return { status: 200, body: { key: store.full(key), value: node } };
  }

  private async delete(desc: ResourceKind, req: ResourceRequest): Promise<ResourceResponse> {
    if (req.id === undefined) throw fail(`missing ${desc.word} id`);
    const key = keyOf(desc, req.id, req.parentId);
    if (req.query.get('force') !== 'true') {
      const err = await deleteRefusal(this.ctx, desc, req.id);
      if (err !== undefined) throw fail(err);
    }
    const store = this.ctx.store;
    for (const child of childKinds(desc.name)) await store.rmdir(`${key}/${child.key.segment}/`);
    const deleted = await store.delete(key);
    if (deleted === 0) throw keyNotFound();
    return { status: 200, body: { deleted: String(deleted), key: store.full(key) } };
  }
}
