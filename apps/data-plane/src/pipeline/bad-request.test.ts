import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxErrorPage } from '@portico/plugin-helpers';
import { echoHandler, rawRequest, startTestDataPlane, startUpstream } from '../testing.case.js';

describe('malformed request paths', () => {
  let t: Awaited<ReturnType<typeof startTestDataPlane>>;
  let up: Awaited<ReturnType<typeof startUpstream>>;
  let hits = 0;
  beforeAll(async () => {
    t = await startTestDataPlane({});
    up = await startUpstream((req, res) => {
      hits++;
      echoHandler(req, res);
    });
    await t.put('routes/pub', { uri: '/pub/*', upstream: { nodes: { [up.addr]: 1 } } });
  });
  afterAll(async () => {
    await t.close();
    await up.close();
  });

  it('answers nginx 400 for a % not followed by two hex digits, before any route runs', async () => {
    const res = await rawRequest(`${t.url}/pub/%zz/x`);
    expect(res.status).toBe(400);
    expect(res.body).toBe(nginxErrorPage(400)!.toString());
    expect(hits).toBe(0);
  });

  it('answers nginx 400 for a bracketed Host without its closing bracket', async () => {
    const res = await rawRequest(`${t.url}/pub/x`, { headers: { host: '[::1' } });
    expect(res.status).toBe(400);
    expect(hits).toBe(0);
  });

  it('still resolves dot segments when an escape is not valid UTF-8', async () => {
    const res = await rawRequest(`${t.url}/pub/%C3%28/%2e%2e/%2e%2e/admin`);
    expect(res.status).toBe(404);
  });
});
