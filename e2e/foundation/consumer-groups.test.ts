// Consumer groups end to end (reference §1.1, §2, §6): a group's ai-rate-limiting applies to
// the consumers in it through key-auth, a consumer outside it is not limited, and the Admin
// API refuses a missing group_id and deleting a group still in use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, startMockLlm, startPortico, type EtcdProcess, type MockLlm, type PorticoApps } from '@portico/testkit';
import { adminRequest, dumpLogsOnFailure, eventually } from '../helpers.js';

const LLM_KEY = 'sk-e2e-consumer-groups';
const MESSAGES = [{ role: 'user', content: 'What is 1+1?' }];

let etcd: EtcdProcess;
let apps: PorticoApps;
let llm: MockLlm;
let url: string;

beforeAll(async () => {
  etcd = await startEtcd();
  llm = await startMockLlm({ apiKey: LLM_KEY });
  apps = await startPortico({ etcdEndpoint: etcd.endpoint });
  url = apps.dataPlanes[0]!.url;
});
afterAll(async () => {
  await apps?.stop();
  await llm?.close();
  await etcd?.cleanup();
});
dumpLogsOnFailure(() => apps);

async function chat(apikey: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', apikey },
    body: JSON.stringify({ messages: MESSAGES }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, text: await res.text() };
}

/** Tokens are committed in the log phase, after the response: let the commit land. */
const commitGap = () => new Promise((r) => setTimeout(r, 50));

describe('consumer groups', () => {
  it('rejects a consumer whose group_id names a missing group', async () => {
    const r = await adminRequest(apps, 'PUT', '/apisix/admin/consumers', {
      username: 'jack',
      group_id: 'gold',
      plugins: { 'key-auth': { key: 'jack-key' } },
    });
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error_msg":"failed to fetch consumer group info by consumer group id [gold], response code: 404"}\n');
  });

  it("limits a group member with the group's ai-rate-limiting while a consumer outside it is not limited", async () => {
    const group = await adminRequest(apps, 'PUT', '/apisix/admin/consumer_groups/gold', {
      plugins: { 'ai-rate-limiting': { limit: 40, time_window: 60, rejected_code: 429, rejected_msg: 'group quota exceeded' } },
    });
    expect(group.status).toBe(201);
    for (const [username, key, extra] of [
      ['jack', 'jack-key', { group_id: 'gold' }],
      ['solo', 'solo-key', {}],
    ] as const) {
      const c = await adminRequest(apps, 'PUT', '/apisix/admin/consumers', {
        username,
        ...extra,
        plugins: { 'key-auth': { key } },
      });
      expect(c.status, c.text).toBe(201);
    }
    const route = await adminRequest(apps, 'PUT', '/apisix/admin/routes/chat', {
      uri: '/chat',
      methods: ['POST'],
      plugins: {
        'key-auth': {},
        'ai-proxy': {
          provider: 'openai',
          auth: { header: { Authorization: `Bearer ${LLM_KEY}` } },
          options: { model: 'gpt-4' },
          override: { endpoint: llm.url },
        },
      },
    });
    expect(route.status).toBe(201);
    await eventually(async () => expect((await chat('solo-key')).status).toBe(200));
    // The mock charges 31 tokens per answer: 0 and 31 used pass the 40-token quota, 62 does not.
    const jack: number[] = [];
    let rejected = '';
    for (let i = 0; i < 3; i++) {
      const r = await chat('jack-key');
      jack.push(r.status);
      if (r.status === 429) rejected = r.text;
      await commitGap();
    }
    expect(jack).toEqual([200, 200, 429]);
    expect(rejected).toBe('{"error_msg":"group quota exceeded"}\n');
    const solo: number[] = [];
    for (let i = 0; i < 3; i++) {
      solo.push((await chat('solo-key')).status);
      await commitGap();
    }
    expect(solo).toEqual([200, 200, 200]);
  });

  it('refuses to delete a group a consumer still uses, then deletes it once the consumer left', async () => {
    const del = await adminRequest(apps, 'DELETE', '/apisix/admin/consumer_groups/gold');
    expect(del.status).toBe(400);
    expect(del.text).toBe('{"error_msg":"can not delete this consumer group, consumer [jack] is still using it now"}\n');
    expect(
      (
        await adminRequest(apps, 'PUT', '/apisix/admin/consumers', {
          username: 'jack',
          plugins: { 'key-auth': { key: 'jack-key' } },
        })
      ).status,
    ).toBe(200);
    // Leaving the group lifts its quota.
    await eventually(async () => expect((await chat('jack-key')).status).toBe(200));
    const ok = await adminRequest(apps, 'DELETE', '/apisix/admin/consumer_groups/gold');
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('{"deleted":"1","key":"/apisix/consumer_groups/gold"}\n');
  });
});
