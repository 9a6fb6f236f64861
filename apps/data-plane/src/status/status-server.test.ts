import { afterEach, describe, expect, it } from 'vitest';
import type { Readiness } from './readiness.js';
import { startStatusServer, type PodRevision, type StatusServer } from './status-server.js';

let server: StatusServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(ready: Readiness, rev: PodRevision = { revision: 7, workers: [] }): Promise<string> {
  server = await startStatusServer({ ip: '127.0.0.1', port: 0 }, { readiness: () => ready, revisions: async () => rev });
  return `http://127.0.0.1:${server.port}`;
}

async function get(url: string): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('status API', () => {
  it('answers GET /status with 200 {"status":"ok"} as APISIX', async () => {
    const base = await start({ ok: false, error: 'worker count: 2 but status report count: 0' });
    expect(await get(`${base}/status`)).toEqual({ status: 200, type: 'text/plain', body: '{"status":"ok"}' });
    // nginx `location /status` is a prefix location.
    expect((await get(`${base}/status/anything?x=1`)).body).toBe('{"status":"ok"}');
  });

  it('answers GET /status/ready with 200 when ready and 503 with the reason otherwise', async () => {
    let base = await start({ ok: true });
    expect(await get(`${base}/status/ready`)).toEqual({ status: 200, type: 'text/plain', body: '{"status":"ok"}' });
    await server!.close();
    base = await start({ ok: false, error: 'worker id: 1 has not received configuration' });
    expect(await get(`${base}/status/ready`)).toEqual({
      status: 503,
      type: 'text/plain',
      body: '{"status":"error","error":"worker id: 1 has not received configuration"}',
    });
  });

  it('reports the applied revision of the pod and of each worker on GET /status/revision', async () => {
    const rev: PodRevision = {
      revision: 41,
      workers: [
        { id: 0, pid: 10, ready: true, revision: 41 },
        { id: 1, pid: 11, ready: true, revision: 42 },
      ],
    };
    const base = await start({ ok: true }, rev);
    const res = await get(`${base}/status/revision`);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual(rev);
  });

  it("answers other paths with nginx's 404 page", async () => {
    const base = await start({ ok: true });
    const res = await get(`${base}/metrics`);
    expect(res.status).toBe(404);
    expect(res.body).toContain('<center><h1>404 Not Found</h1></center>');
  });
});
