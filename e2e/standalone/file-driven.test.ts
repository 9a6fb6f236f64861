/**
 * File-driven standalone mode (deployment.role: data_plane, role_data_plane.config_provider:
 * yaml | json): the built data plane serves conf/apisix.yaml (beside its config.yaml) with no
 * etcd at all, follows edits, and keeps serving the last good file when an edit is invalid.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPortico, type PorticoApps } from '@portico/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpLogsOnFailure, eventually, startEchoUpstream, type Upstream } from '../helpers.js';

let apps: PorticoApps;
let echo: Upstream;
let yamlPath: string;

const route = (uri: string, extra = '') =>
  `routes:\n  - id: r1\n    uri: ${uri}\n${extra}    upstream:\n      type: roundrobin\n      nodes:\n        "127.0.0.1:${echo.port}": 1\n`;

beforeAll(async () => {
  echo = await startEchoUpstream('standalone-echo');
  apps = await startPortico({
    // Nothing listens here: a standalone data plane must never need etcd.
    etcdEndpoint: 'http://127.0.0.1:1',
    role: 'data_plane',
    admin: false,
    extraConf: { deployment: { role_data_plane: { config_provider: 'yaml' } } },
  });
  yamlPath = join(apps.dir, 'apisix.yaml');
});
afterAll(async () => {
  await apps?.stop();
  await echo?.close();
});
dumpLogsOnFailure(() => apps);

describe('file-driven standalone data plane', () => {
  it('serves the routes of apisix.yaml once the file appears, without etcd', async () => {
    const dp = apps.dataPlanes[0]!;
    expect((await fetch(`${dp.url}/first`)).status).toBe(404);
    writeFileSync(yamlPath, `${route('/first')}#END\n`);
    await eventually(async () => {
      const r = await fetch(`${dp.url}/first?x=1`);
      expect(r.status).toBe(200);
      expect(r.headers.get('x-upstream')).toBe('standalone-echo');
    }, 8_000);
  });

  it('follows an edit of the file, plugins included', async () => {
    const dp = apps.dataPlanes[0]!;
    const plugins = '    plugins:\n      key-auth: {}\n';
    writeFileSync(
      yamlPath,
      `consumers:\n  - username: jack\n    plugins:\n      key-auth:\n        key: jack-key\n${route('/second', plugins)}#END\n`,
    );
    await eventually(async () => expect((await fetch(`${dp.url}/second`)).status).toBe(401), 8_000);
    expect(await (await fetch(`${dp.url}/second`)).json()).toEqual({ message: 'Missing API key in request' });
    expect((await fetch(`${dp.url}/second`, { headers: { apikey: 'jack-key' } })).status).toBe(200);
    expect((await fetch(`${dp.url}/first`)).status).toBe(404);
  });

  it('keeps serving the last good configuration when the new file has no #END or does not parse', async () => {
    const dp = apps.dataPlanes[0]!;
    writeFileSync(yamlPath, route('/third'));
    await new Promise((r) => setTimeout(r, 2_500));
    writeFileSync(yamlPath, 'routes: [\n#END\n');
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await fetch(`${dp.url}/second`, { headers: { apikey: 'jack-key' } })).status).toBe(200);
    expect((await fetch(`${dp.url}/third`)).status).toBe(404);
    expect(dp.process.tail(200)).toContain(`missing valid end flag in file ${yamlPath}`);
  });
});
