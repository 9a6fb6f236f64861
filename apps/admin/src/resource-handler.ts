/**
 * The generic resource handler (apisix/admin/resource.lua): GET one/list, PUT, POST, PATCH,
 * DELETE for any ResourceDescriptor. Throws AdminError for every failure.
 */
import type { AdminContext, Method, ResourceDescriptor } from './context.js';
import { decryptPlugins, encryptPlugins } from './context.js';
import { checkSchema } from './checks.js';
import { fail, keyNotFound } from './errors.js';
import { filterAndPage } from './list-filters.js';
import { mergePatch, patchSubPath } from './patch.js';
import type { Item } from './store-ops.js';

type Obj = Record<string, unknown>;

export interface ResourceRequest {
  method: Method;
  /** URL id segment (decoded), undefined when absent. */
  id: string | undefined;
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

/** resource.lua check_forbidden_properties (note the double space in the message). */
function checkForbidden(conf: unknown): void {
  if (!isObj(conf)) return;
  const scopes: [unknown, string][] = [[conf, ''], [conf.upstream, 'upstream.'], [conf.plugins, 'plugins.']];
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

  async handle(desc: ResourceDescriptor, req: ResourceRequest): Promise<ResourceResponse> {
    if (desc.unsupported?.includes(req.method)) {
      throw fail(`not supported \`${req.method.toUpperCase()}\` method for ${desc.kind}`, 405);
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

  private keyOf(desc: ResourceDescriptor, id: string | number | undefined, subPath: string): string {
    if (desc.etcdKey) return desc.etcdKey(id === undefined ? undefined : String(id), subPath);
    return id === undefined ? `/${desc.name}` : `/${desc.name}/${String(id)}`;
  }

  private decrypt(desc: ResourceDescriptor, value: Obj): void {
    if (desc.decrypt) desc.decrypt(this.ctx, value);
    else decryptPlugins(this.ctx, value.plugins);
  }

  /** resource.lua check_conf: id rules, forbidden timestamps, checker on a deep copy, encryption. */
  private async checkConf(
    desc: ResourceDescriptor,
    urlId: string | number | undefined,
    conf: unknown,
    needId: boolean,
    allowTime: boolean,
    subPath: string,
  ): Promise<string | number | undefined> {
    if (conf === undefined) throw fail('missing configurations');
    let id = urlId;
    if (!desc.noId) {
      const bodyId = isObj(conf) && !Array.isArray(conf) ? conf.id : undefined;
      if (id === undefined && (typeof bodyId === 'string' || typeof bodyId === 'number')) id = bodyId;
      if (needId && id === undefined) throw fail(`missing ${desc.kind} id`);
      if (!needId && id !== undefined) throw fail(`wrong ${desc.kind} id, do not need it`);
      if (needId && truthy(bodyId) && String(bodyId) !== String(id)) throw fail(`wrong ${desc.kind} id`);
      if (isObj(conf) && id !== undefined) conf.id = id;
    }
    if (!allowTime) checkForbidden(conf);
    // A body that is not an object (JSON null, a number, a string) fails the schema's type
    // check before any resource-specific check reads its fields.
    if (!isObj(conf) && desc.schema) checkSchema(desc.schema, conf);
    const copy = structuredClone(conf) as Obj;
    const ret = await desc.check(this.ctx, id, copy, needId, { subPath });
    if (isObj(conf)) {
      if (desc.encrypt) desc.encrypt(this.ctx, conf, desc.noId ? (ret ?? undefined) : id);
      else encryptPlugins(this.ctx, conf.plugins);
    }
    return desc.noId ? (ret ?? undefined) : id;
  }

  private async get(desc: ResourceDescriptor, req: ResourceRequest): Promise<ResourceResponse> {
    const key = this.keyOf(desc, req.id, req.subPath);
    const store = this.ctx.store;
    if (req.id !== undefined) {
      const item = await store.mustGet(key);
      this.decrypt(desc, item.value);
      return { status: 200, body: item };
    }
    let items: Item[] = await store.list(`${key}/`);
    if (desc.listExclude) items = items.filter((i) => !desc.listExclude!(i.key));
    // No placeholder key exists under a consumer's credentials: an empty dir is a 404 (core/etcd.lua).
    if (desc.etcdKey && items.length === 0) throw keyNotFound();
    for (const i of items) this.decrypt(desc, i.value);
    const { list, total } = filterAndPage(items, req.query, desc.listFilterFields);
    return { status: 200, body: { list, total } };
  }

  private async put(desc: ResourceDescriptor, req: ResourceRequest): Promise<ResourceResponse> {
    const conf = req.body;
    const id = await this.checkConf(desc, req.id, conf, !desc.noId, false, req.subPath);
    const value = conf as Obj;
    const key = this.keyOf(desc, id, req.subPath);
    const store = this.ctx.store;
    if (desc.name === 'credentials') {
      const consumerKey = key.slice(0, key.indexOf('/credentials/'));
      if (!(await store.get(consumerKey))) throw fail('consumer not found', 404);
    }
    if (desc.name === 'plugin_metadata') {
      value.id = id;
    } else {
      const prev = await store.get(key);
      const now = this.now();
      if (!truthy(value.create_time)) value.create_time = prev?.value.create_time ?? now;
      if (!truthy(value.update_time)) value.update_time = now;
    }
    const status = await store.set(key, value, req.ttl);
    return { status, body: { key: store.full(key), value } };
  }

  private async post(desc: ResourceDescriptor, req: ResourceRequest): Promise<ResourceResponse> {
    const conf = req.body;
    await this.checkConf(desc, req.id, conf, false, false, req.subPath);
    const value = conf as Obj;
    const now = this.now();
    if (!truthy(value.create_time)) value.create_time = now;
    if (!truthy(value.update_time)) value.update_time = now;
    const store = this.ctx.store;
    const id = await store.genId();
    value.id = id;
    const key = `/${desc.name}/${id}`;
    await store.set(key, value, req.ttl);
    return { status: 201, body: { key: store.full(key), value } };
  }

  private async patch(desc: ResourceDescriptor, req: ResourceRequest): Promise<ResourceResponse> {
    if (req.id === undefined) throw fail(`missing ${desc.kind} id`);
    const key = this.keyOf(desc, req.id, req.subPath);
    const conf = req.body;
    if (conf === undefined) throw fail('missing new configuration');
    if (!req.subPath && (!isObj(conf) || Array.isArray(conf))) throw fail('invalid configuration');
    const store = this.ctx.store;
    const old = await store.mustGet(key);
    // Stored encrypt_fields are ciphertext: decrypt before merging so they are not encrypted twice.
    this.decrypt(desc, old.value);
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
    await this.checkConf(desc, req.id, node, true, true, req.subPath);
    await store.casSet(key, node, old.modifiedIndex, req.ttl);
    return { status: 200, body: { key: store.full(key), value: node } };
  }

  private async delete(desc: ResourceDescriptor, req: ResourceRequest): Promise<ResourceResponse> {
    if (req.id === undefined) throw fail(`missing ${desc.kind} id`);
    const key = this.keyOf(desc, req.id, req.subPath);
    if (desc.deleteCheck && req.query.get('force') !== 'true') {
      const err = await desc.deleteCheck(this.ctx, req.id);
      if (err !== undefined) throw fail(err);
    }
    const store = this.ctx.store;
    if (desc.name === 'consumers') await store.rmdir(`${key}/credentials/`);
    const deleted = await store.delete(key);
    if (deleted === 0) throw keyNotFound();
    return { status: 200, body: { deleted: String(deleted), key: store.full(key) } };
  }
}
