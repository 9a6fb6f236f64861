import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe } from 'vitest';
import { adminKeyStep, chatChecks, exportStep, expectCalls, llmMessages, routeStep } from '../apisix-steps.js';
import { at, clip, fields, included, includedJson, json, statuses } from '../checks.js';
import { APISIX_DOC_ANSWERS as A } from '../doc-answers.js';
import { step, useSession } from '../harness.js';
import type { HttpbinRequest } from '../httpbin.js';
import { TEST_KEYS } from '../providers.js';
import { report, type StepRun } from '../session.js';
import { readFixture } from '../verbatim.js';

const OPENAI_CHAT = 'api.openai.com/v1/chat/completions';
const OPENAI_EMBEDDINGS = 'api.openai.com/v1/embeddings';

describe.sequential('apisix 3.18 ai-request-rewrite doc, run as printed', () => {
  const session = useSession({ doc: 'ai-request-rewrite (apisix 3.18.0)' });
  const f = (n: string) => `ai-request-rewrite/${n}`;
  /** Run a block and also return what httpbin.org (the route's Upstream) received meanwhile. */
  const runWithUpstream = async (fixture: string): Promise<{ r: StepRun; seen: HttpbinRequest[] }> => {
    const hb = session().providers.httpbin.requests;
    const mark = hb.length;
    const r = await session().run(fixture);
    return { r, seen: hb.slice(mark) };
  };
  const rewritten = (fixture: string, promptStart: string, data: string) =>
    step(fixture, async () => {
      const { r, seen } = await runWithUpstream(fixture);
      const { body, diffs } = json(r);
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(data) as unknown;
      } catch {
        parsed = null;
      }
      const d = [
        ...statuses(r, [200]),
        ...diffs,
        // httpbin's echo of what the gateway forwarded: the LLM's rewrite, as the doc prints it.
        // APISIX forwards `Host: $http_host` (ngx_tpl `set $upstream_host $http_host`), port included; the doc's
        // `"url": "http://127.0.0.1/anything"` comes from another setup ("similar to").
        ...fields(body, { data, json: parsed, method: 'POST', 'headers.Host': '127.0.0.1:9080' }),
        ...expectCalls(r, [OPENAI_CHAT]),
      ];
      if (seen.length !== 1 || seen[0]?.url !== '/anything')
        d.push(`httpbin.org requests: expected 1 POST /anything, got ${clip(seen.map((s) => s.url))}`);
      const msgs = llmMessages(r) as Array<{ role?: string; content?: string }> | undefined;
      const sys = msgs?.[0];
      if (msgs?.length !== 2 || sys?.role !== 'system' || !sys.content?.startsWith(promptStart) || msgs[1]?.role !== 'user')
        d.push(`LLM messages: expected [system: the route's prompt, user: the client body], got ${clip(msgs)}`);
      const fixtureBody = readFixture(fixture);
      const sent = msgs?.[1]?.content ?? '';
      // The client body reaches the LLM unchanged (the doc's shell quoting `'\''` is an apostrophe).
      const content = /"content": "(.*)"/.exec(fixtureBody)?.[1]?.replace(/'\\''/g, "'");
      if (!content || !sent.includes(content)) d.push(`LLM user message does not carry the request body: ${clip(sent)}`);
      return report(r, d);
    });
  exportStep(session, f('01-export.sh'), ['OPENAI_API_KEY']);
  adminKeyStep(session, f('02-admin-key.sh'));
  routeStep(session, f('03-route.sh'), 201, '1');
  rewritten(f('04-post.sh'), 'Given a JSON request body, identify and mask', A.redacted);
  routeStep(session, f('05-route.sh'), 200, '1');
  rewritten(f('06-post.sh'), 'Convert natural language queries into structured JSON', A.flight);
  routeStep(session, f('07-route.sh'), 200, '1');
  rewritten(f('08-post.sh'), 'Summarize lengthy input while preserving key details.', A.summary);
  routeStep(session, f('09-route.sh'), 200, '1', { placeholder: '<your-api-key>', key: 'DASHSCOPE_API_KEY' });
  // The doc stops at the route; the first example's request shows where it now goes.
  step('derived:ai-request-rewrite/openai-compatible', async () => {
    const s = session();
    const r = await s.runDerived(
      'derived:ai-request-rewrite/openai-compatible',
      'Send Request to an OpenAI-Compatible LLM',
      readFixture(f('04-post.sh')),
    );
    const llm = r.upstream.find((c) => c.method === 'POST');
    const { body, diffs } = json(r);
    return report(
      r,
      [
        ...statuses(r, [200]),
        ...diffs,
        ...fields(body, { data: A.redacted }),
        ...expectCalls(r, ['dashscope.aliyuncs.com/compatible-mode/v1/chat/completions']),
        ...fields(llm?.json, { model: 'qwen-plus', max_tokens: 1024, temperature: 1 }, 'LLM body'),
        ...(llm?.headers.authorization === `Bearer ${TEST_KEYS.DASHSCOPE_API_KEY}`
          ? []
          : ['LLM Authorization: expected the configured key']),
      ],
      'the "Redact Sensitive Information" request (04) re-sent to the openai-compatible route',
    );
  });
});

describe.sequential('apisix 3.18 ai-cache doc, run as printed', () => {
  // "A Redis instance must be reachable at the configured `redis_host`" (127.0.0.1:6379 inside the namespace).
  let redis: ChildProcess | undefined;
  beforeAll(async () => {
    redis = spawn('/usr/bin/redis-server', ['--port', '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok = await new Promise<boolean>((res) => {
        const s = connect({ port: 6379, host: '127.0.0.1' });
        s.once('connect', () => {
          s.destroy();
          res(true);
        });
        s.once('error', () => res(false));
      });
      if (ok) break;
      if (Date.now() > deadline) throw new Error('redis-server did not open 127.0.0.1:6379');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    if (!redis || redis.exitCode !== null) return;
    const exited = new Promise((r) => redis?.once('exit', r));
    redis.kill('SIGTERM');
    await exited;
  });
  const session = useSession({ doc: 'ai-cache (apisix 3.18.0)' });
  const f = (n: string) => `ai-cache/${n}`;
  const status = (r: StepRun, want: string): string[] => {
    const h = included(r).headers['x-ai-cache-status'];
    return h === want ? [] : [`X-AI-Cache-Status: expected ${want}, got ${h ?? 'none'}`];
  };
  let first: unknown;

  step(f('01-export.sh'), async () => {
    const r = await session().run(f('01-export.sh'));
    const d = statuses(r, []);
    if (session().vars.OPENAI_API_KEY !== TEST_KEYS.OPENAI_API_KEY) d.push('$OPENAI_API_KEY not set by the export line');
    if (session().vars.admin_key !== session().stack.adminKey) d.push('admin_key: expected the key in conf/config.yaml');
    return report(r, d, 'credential placeholder of the `export OPENAI_API_KEY` line filled with a test key');
  });
  routeStep(session, f('02-route.sh'), 201, 'ai-cache-route');
  step(f('03-post.sh'), async () => {
    const r = await session().run(f('03-post.sh'));
    first = includedJson(r).body;
    return report(r, [
      ...chatChecks(r, A.apisixOneSentence, { model: 'gpt-4o' }),
      ...status(r, 'MISS'),
      ...expectCalls(r, [OPENAI_CHAT]),
    ]);
  });
  step('derived:ai-cache/03-post.sh-again', async () => {
    const r = await session().runDerived(
      'derived:ai-cache/03-post.sh-again',
      'Cache LLM Responses',
      readFixture(f('03-post.sh')),
    );
    const got = includedJson(r);
    const age = got.headers['x-ai-cache-age'];
    const d = [...statuses(r, [200]), ...got.diffs, ...status(r, 'HIT'), ...expectCalls(r, [])];
    if (!/^\d+$/.test(age ?? '')) d.push(`X-AI-Cache-Age: expected whole seconds, got ${age ?? 'none'}`);
    if (JSON.stringify(got.body) !== JSON.stringify(first)) d.push('body: expected the identical cached body');
    return report(r, d, '"Send the same request again": the 03 block run a second time');
  });
  routeStep(session, f('04-patch.sh'), 200, 'ai-cache-route');
  step(f('05-post.sh'), async () => {
    const r = await session().run(f('05-post.sh'));
    return report(r, [...chatChecks(r, A.apisixOneSentence), ...status(r, 'BYPASS'), ...expectCalls(r, [OPENAI_CHAT])]);
  });
  routeStep(session, f('06-route.sh'), 201, 'ai-cache-semantic-route');
  // Doc error (docs/compatibility.md, "APISIX doc examples (3.18 AI plugins)"): 06 adds a second route
  // on `/anything` without removing `ai-cache-route`; with equal priority the older route matches first
  // (APISIX's radixtree keeps insertion order), so 07/08 are served by the exact-only cache route:
  // no embedding call, and the reworded 08 is a plain L1 MISS. Asserted as APISIX behaves.
  const SHADOWED =
    'doc error: ai-cache-route (06 never removes it) still serves /anything, as in APISIX; see docs/compatibility.md';
  step(f('07-post.sh'), async () => {
    const r = await session().run(f('07-post.sh'));
    return report(r, [...chatChecks(r, A.apisixOneSentence), ...status(r, 'MISS'), ...expectCalls(r, [OPENAI_CHAT])], SHADOWED);
  });
  step(f('08-post.sh'), async () => {
    const r = await session().run(f('08-post.sh'));
    return report(r, [...chatChecks(r, A.apisixOneSentence), ...status(r, 'MISS'), ...expectCalls(r, [OPENAI_CHAT])], SHADOWED);
  });
  // What the section means: with the first route removed, the semantic route serves both requests.
  const semantic = (id: string, fixture: string, check: (r: StepRun) => string[]) =>
    step(id, async () => {
      const r = await session().runDerived(id, 'Cache LLM Responses with Semantic Matching', readFixture(fixture));
      return report(r, check(r), `${fixture} re-sent after DELETE /apisix/admin/routes/ai-cache-route`);
    });
  step('derived:ai-cache/delete-first-route', async () => {
    const r = await session().runDerived(
      'derived:ai-cache/delete-first-route',
      'Cache LLM Responses with Semantic Matching',
      'curl -s "http://127.0.0.1:9180/apisix/admin/routes/ai-cache-route" -X DELETE -H "X-API-KEY: ${admin_key}"',
    );
    return report(r, [...statuses(r, [200]), ...fields(json(r).body, { deleted: '1', key: '/apisix/routes/ai-cache-route' })]);
  });
  semantic('derived:ai-cache/07-post.sh-semantic', f('07-post.sh'), (r) => [
    ...chatChecks(r, A.apisixOneSentence),
    ...status(r, 'MISS'),
    ...expectCalls(r, [OPENAI_EMBEDDINGS, OPENAI_CHAT]),
  ]);
  semantic('derived:ai-cache/08-post.sh-semantic', f('08-post.sh'), (r) => {
    const got = includedJson(r);
    const sim = Number(got.headers['x-ai-cache-similarity']);
    const d = [...statuses(r, [200]), ...got.diffs, ...status(r, 'HIT'), ...expectCalls(r, [OPENAI_EMBEDDINGS])];
    if (!(sim >= 0.92 && sim <= 1))
      d.push(
        `X-AI-Cache-Similarity: expected a value >= similarity_threshold 0.92, got ${got.headers['x-ai-cache-similarity'] ?? 'none'}`,
      );
    if (!/^\d+$/.test(got.headers['x-ai-cache-age'] ?? ''))
      d.push(`X-AI-Cache-Age: expected whole seconds, got ${got.headers['x-ai-cache-age'] ?? 'none'}`);
    if (at(got.body, 'choices.0.message.content') !== A.apisixOneSentence) d.push('body: expected the cached answer of 07');
    return d;
  });
});
