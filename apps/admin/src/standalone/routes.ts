/**
 * The HTTP side of `/apisix/admin/configs` (standalone) and `/apisix/admin/configs/validate`
 * (both modes): body decoding (JSON, or YAML with `Content-Type: application/yaml`) and the
 * replies, with APISIX's messages.
 */
import { parse as parseYaml } from 'yaml';
import { decodeJsonText, readBodyText } from '../body.js';
import type { AdminContext } from '../context.js';
import { earlyFail } from '../errors.js';
import type { ConfigsReply, StandaloneConfigs } from './configs.js';
import { DIGEST } from './configs.js';
import { validateConfiguration } from './validate.js';

/** The decoded body of a configuration request; 400 for an empty or undecodable one. */
export async function readConfigBody(req: Request): Promise<Record<string, unknown>> {
  const text = await readBodyText(req);
  if (text === undefined) throw earlyFail(400, { error_msg: 'invalid request body: empty request body' });
  let data: unknown;
  if ((req.headers.get('content-type') ?? 'application/json').startsWith('application/yaml')) {
    try {
      data = parseYaml(text);
    } catch {
      data = undefined;
    }
    if (typeof data !== 'object' || data === null)
      throw earlyFail(400, { error_msg: 'invalid request body: invalid yaml request body' });
  } else {
    data = decodeJsonText(text);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw earlyFail(400, { error_msg: 'invalid request body: the configuration must be an object' });
  }
  return data as Record<string, unknown>;
}

/** POST /apisix/admin/configs/validate: 200 `{}` or 400 with every error found. */
export async function validateConfigs(ctx: AdminContext, req: Request): Promise<ConfigsReply> {
  const body = await readConfigBody(req);
  const r = await validateConfiguration(ctx, body, true);
  if (r.valid) return { status: 200, body: '{}\n', headers: { 'Content-Type': 'application/json' } };
  return {
    status: 400,
    body: `${JSON.stringify({ error_msg: 'Configuration validation failed', errors: r.errors })}\n`,
    headers: { 'Content-Type': 'application/json' },
  };
}

/** GET / HEAD / PUT /apisix/admin/configs in standalone mode. */
export async function handleConfigs(configs: StandaloneConfigs, req: Request): Promise<ConfigsReply> {
  switch (req.method) {
    case 'HEAD':
      return configs.head();
    case 'GET':
      return configs.get(req.headers.get('accept') ?? undefined);
    case 'PUT': {
      const digest = req.headers.get(DIGEST) ?? undefined;
      if (digest === undefined) throw earlyFail(400, { error_msg: 'missing digest header' });
      return configs.put(await readConfigBody(req), digest);
    }
    default:
      throw earlyFail(404, { error_msg: 'Not found' });
  }
}
