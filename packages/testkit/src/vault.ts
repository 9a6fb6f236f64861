/**
 * A small HashiCorp Vault KV server for tests, speaking Vault's HTTP API on 127.0.0.1:
 * `GET /v1/<mount>/<path>` answers KV v1 (`{"data":{...}}`) and
 * `GET /v1/<mount>/data/<path>` answers KV v2 (`{"data":{"data":{...},"metadata":{...}}}`),
 * both with `X-Vault-Token` checked (403 `{"errors":["permission denied"]}`) and 404
 * `{"errors":[]}` for missing paths, as Vault answers. Secrets are set with `put`.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VaultServer {
  url: string;
  token: string;
  /** Write (replace) the fields at `mount/path` (KV v1) and `mount/data/path` (KV v2). */
  put(mountAndPath: string, fields: Record<string, unknown>): void;
  /** Requests served, with their headers (for namespace / token assertions). */
  readonly requests: { path: string; headers: IncomingHttpHeaders }[];
  /** Answer 503 to every request while true. */
  down: boolean;
  close(): Promise<void>;
}

export async function startVault(token = 'root-token'): Promise<VaultServer> {
  const store = new Map<string, { fields: Record<string, unknown>; version: number }>();
  const requests: VaultServer['requests'] = [];
  const state = { down: false };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ path, headers: req.headers });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (state.down) return send(503, { errors: ['Vault is sealed'] });
    if (req.headers['x-vault-token'] !== token) return send(403, { errors: ['permission denied'] });
    if (req.method !== 'GET' || !path.startsWith('/v1/')) return send(405, { errors: [] });
    const rest = path.slice(4);
    const slash = rest.indexOf('/');
    const mount = rest.slice(0, slash);
    const sub = rest.slice(slash + 1);
    if (sub.startsWith('data/')) {
      const hit = store.get(`${mount}/${sub.slice(5)}`);
      if (!hit) return send(404, { errors: [] });
      return send(200, {
        request_id: 'test',
        data: { data: hit.fields, metadata: { created_time: new Date().toISOString(), version: hit.version, destroyed: false } },
      });
    }
    const hit = store.get(rest);
    if (!hit) return send(404, { errors: [] });
    return send(200, { request_id: 'test', lease_duration: 2764800, data: hit.fields });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
    },
    put(mountAndPath, fields) {
      const prev = store.get(mountAndPath);
      store.set(mountAndPath, { fields: { ...fields }, version: (prev?.version ?? 0) + 1 });
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
