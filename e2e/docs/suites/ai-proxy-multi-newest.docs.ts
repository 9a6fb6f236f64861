import { describe } from 'vitest';
import { startKafka } from '@portico/testkit';
import { readTopic, type ReadMessage, type TopicReader } from '../../kafka/consumer.js';
import { adminError, adminWrite, at, cjsonError, clip, curlBody, fields, json, servedBy, statuses, upstream } from '../checks.js';
import { step, useSession } from '../harness.js';
import { DOC_ANSWERS } from '../provider-script.js';
import { TEST_KEYS } from '../providers.js';
import { report, type StepRun } from '../session.js';
import { readFixture } from '../verbatim.js';

const DOC = 'ai-proxy-multi (newest: 002 + 004 diff)';
const N = (n: string): string => `ai-proxy-multi-newest/${n}`;
const M = (n: string): string => `ai-proxy-multi/${n}`;
const ROUTE_KEY = '/apisix/routes/ai-proxy-multi-route';
const MESSAGES_1PLUS1 = [
  { role: 'system', content: 'You are a mathematician' },
  { role: 'user', content: 'What is 1+1?' },
];
const OPENAI_1PLUS1 = {
  model: 'gpt-4-0613',
  'choices.0.message': { role: 'assistant', content: DOC_ANSWERS.openaiOnePlusOne, refusal: null, annotations: [] },
  'choices.0.finish_reason': 'stop',
  usage: {
    prompt_tokens: 23,
    completion_tokens: 8,
    total_tokens: 31,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  },
};

/** A consumer's request: 200, and forced to `forced` when that consumer's quota on the other instance is spent. */
function consumerPick(
  r: StepRun,
  forced: 'openai' | 'deepseek' | undefined,
  docShows: 'openai' | 'deepseek',
): { d: string[]; by: string; note?: string } {
  const { body, diffs } = json(r);
  const by = servedBy(body);
  const d = [...statuses(r, [200]), ...diffs];
  if (by === 'unknown') d.push(`model: expected gpt-4-0613 or deepseek-chat, got ${clip(at(body, 'model'))}`);
  if (forced && by !== forced)
    d.push(`instance: expected ${forced} (the other instance's quota for this consumer is spent), got ${by}`);
  const note =
    !forced && by !== docShows
      ? `unforced pick (both weights 0, APISIX cycles from a random start): served by ${by}; the doc shows ${docShows}`
      : undefined;
  return { d, by, note };
}

describe.sequential('ai-proxy-multi newest doc (002 + 004 fixes), run as printed', () => {
  const session = useSession({ doc: DOC, exportKeys: true });
  const s = (): ReturnType<typeof session> => session();
  const picks: Record<string, string> = {};

  step(M('01-admin-key.sh'), async () => {
    const r = await s().run(M('01-admin-key.sh'));
    return report(
      { id: 'newest:01-admin-key.sh', doc: DOC, section: 'Examples (admin_key note)' },
      s().vars.admin_key === s().stack.adminKey ? statuses(r, []) : ['admin_key not read from conf/config.yaml'],
    );
  });

  step(N('04-priority-route.sh'), async () => {
    const r = await s().run(N('04-priority-route.sh'));
    return report(r, adminWrite(r, 201, ROUTE_KEY, 'id', 'ai-proxy-multi-route'));
  });
  step(`newest:${M('05-priority-post-1.sh')}`, async () => {
    const r = await s().run(M('05-priority-post-1.sh'));
    const { body, diffs } = json(r);
    return report({ id: `newest:${M('05-priority-post-1.sh')}`, doc: DOC, section: r.entry.section }, [
      ...statuses(r, [200]),
      ...diffs,
      ...fields(body, OPENAI_1PLUS1),
      ...upstream(r, {
        host: 'api.openai.com',
        url: '/v1/chat/completions',
        header: ['authorization', `Bearer ${TEST_KEYS.OPENAI_API_KEY}`],
        body: { model: 'gpt-4', messages: MESSAGES_1PLUS1 },
      }),
    ]);
  });
  step(`newest:${M('06-priority-post-2.sh')}`, async () => {
    const r = await s().run(M('06-priority-post-2.sh'));
    const { body, diffs } = json(r);
    return report(
      { id: `newest:${M('06-priority-post-2.sh')}`, doc: DOC, section: r.entry.section },
      [
        ...statuses(r, [200]),
        ...diffs,
        ...fields(body, { model: 'deepseek-chat', 'choices.0.message.content': DOC_ANSWERS.newtonDeepseek }),
        ...upstream(r, {
          host: 'api.deepseek.com',
          url: '/chat/completions',
          header: ['authorization', `Bearer ${TEST_KEYS.DEEPSEEK_API_KEY}`],
          body: { model: 'deepseek-chat' },
        }),
      ],
      'fallback to DeepSeek: total_tokens 31 exceeded the 10-token quota of openai-instance',
    );
  });

  step('newest:07-consumer-johndoe.sh', async () => {
    const r = await s().run(M('07-consumer-johndoe.sh'));
    return report(
      { id: 'newest:07-consumer-johndoe.sh', doc: DOC, section: r.entry.section },
      adminWrite(r, 201, '/apisix/consumers/johndoe', 'username', 'johndoe'),
    );
  });
  step('newest:08-cred-johndoe.sh', async () => {
    const r = await s().run(M('08-cred-johndoe.sh'));
    return report(
      { id: 'newest:08-cred-johndoe.sh', doc: DOC, section: r.entry.section },
      adminWrite(r, 201, '/apisix/consumers/johndoe/credentials/cred-john-key-auth', 'id', 'cred-john-key-auth'),
    );
  });
  step(N('09-consumer-janedoe.sh'), async () => {
    const r = await s().run(N('09-consumer-janedoe.sh'));
    return report(r, adminWrite(r, 201, '/apisix/consumers/janedoe', 'username', 'janedoe'));
  });
  step('newest:10-cred-janedoe.sh', async () => {
    const r = await s().run(M('10-cred-janedoe.sh'));
    return report(
      { id: 'newest:10-cred-janedoe.sh', doc: DOC, section: r.entry.section },
      adminWrite(r, 201, '/apisix/consumers/janedoe/credentials/cred-jane-key-auth', 'id', 'cred-jane-key-auth'),
    );
  });
  step(N('11-consumer-route.sh'), async () => {
    const r = await s().run(N('11-consumer-route.sh'));
    return report(r, adminWrite(r, 200, ROUTE_KEY, 'id', 'ai-proxy-multi-route'));
  });
  step('newest:12-no-key.sh', async () => {
    const r = await s().run(M('12-no-key.sh'));
    const d = statuses(r, [401]);
    const [head = '', body = ''] = r.stdout.split('\r\n\r\n');
    if (!head.startsWith('HTTP/1.1 401 Unauthorized'))
      d.push(`status line: expected "HTTP/1.1 401 Unauthorized", got ${clip(head.split('\r\n')[0])}`);
    if (body !== '{"message":"Missing API key in request"}\n')
      d.push(`body: expected {"message":"Missing API key in request"}\\n, got ${JSON.stringify(body)}`);
    if (!/\r\nwww-authenticate: apikey realm="key"\r\n/i.test(`${head}\r\n`))
      d.push('header: expected WWW-Authenticate: apikey realm="key"');
    if (r.upstream.length) d.push(`upstream: expected no provider call, got ${r.upstream.length}`);
    return report({ id: 'newest:12-no-key.sh', doc: DOC, section: r.entry.section }, d);
  });
  const consumerStep = (file: string, who: 'john' | 'jane', first: boolean, docShows: 'openai' | 'deepseek'): void =>
    step(`newest:${file}`, async () => {
      const r = await s().run(M(file));
      // johndoe's quota is on openai-instance, janedoe's on deepseek-instance (10 tokens; any answer spends it).
      const quota = who === 'john' ? 'openai' : 'deepseek';
      const forced = first ? undefined : picks[who] === quota ? (quota === 'openai' ? 'deepseek' : 'openai') : undefined;
      const { d, by, note } = consumerPick(r, forced, docShows);
      if (first) picks[who] = by;
      return report({ id: `newest:${file}`, doc: DOC, section: r.entry.section }, d, note);
    });
  consumerStep('13-john-1.sh', 'john', true, 'openai');
  consumerStep('14-john-2.sh', 'john', false, 'deepseek');
  consumerStep('15-jane-1.sh', 'jane', true, 'deepseek');
  consumerStep('16-jane-2.sh', 'jane', false, 'openai');

  step(N('23-logging-route.sh'), async () => {
    const r = await s().run(N('23-logging-route.sh'));
    const body = curlBody(r.script, s().vars);
    return report(
      r,
      adminError(r, 400, {
        error_msg: `invalid request body: ${cjsonError(body, 'the end', 'T_OBJ_END', '}', body.split('}').length - 2)}`,
        req_body: body,
      }),
      'doc bug run as printed: the newest doc closes the JSON with one `}` too many; APISIX answers 400',
    );
  });
  step(N('24-logging-post.sh'), async () => {
    const r = await s().run(N('24-logging-post.sh'));
    const d = statuses(r, [401]);
    if (r.stdout !== '{"message":"Missing API key in request"}\n')
      d.push(`body: expected {"message":"Missing API key in request"}\\n, got ${clip(r.stdout)}`);
    return report(
      r,
      d,
      'knock-on of the doc bug: the logging route was rejected, so the key-auth route of the consumers section still serves (401 without a key)',
    );
  });
  step('derived:logging-kafka', async () => {
    // The doc's own Kafka: a single-node broker on 127.0.0.1:9092 inside this suite's network
    // namespace (packages/testkit startKafka, jars from Maven Central via scripts/kafka/resolve.sh).
    const kafka = await startKafka({ port: 9092 });
    let reader: TopicReader | undefined;
    try {
      // The doc route with only its extra `}` removed: kafka-logger exactly as printed.
      const route = readFixture(N('23-logging-route.sh')).replace("  }\n  }'\n", "  }'\n");
      const put = await s().runDerived('derived:logging-kafka', 'Send Request Log to Logger', route);
      const posts: StepRun[] = [];
      for (let i = 0; i < 2; i++)
        posts.push(
          await s().runDerived('derived:logging-kafka', 'Send Request Log to Logger', readFixture(N('24-logging-post.sh'))),
        );
      const d = [...adminWrite(put, 200, ROUTE_KEY, 'id', 'ai-proxy-multi-route'), ...posts.flatMap((p) => statuses(p, [200]))];
      reader = await readTopic(kafka.bootstrap, 'test2');
      let msgs: ReadMessage[] = [];
      try {
        msgs = await reader.waitFor(posts.length, 15_000);
      } catch (e) {
        d.push(String(e));
      }
      // Give a stray extra message (one request logged twice) the chance to show up.
      await new Promise((res) => setTimeout(res, 500));
      if (reader.messages.length !== posts.length)
        d.push(`kafka: expected ${posts.length} messages in test2 (one per request), got ${reader.messages.length}`);
      // Kafka keeps order per produce request, not across a retried one: pair each message with
      // the request whose answer it logged (llm_response_text), each request used once.
      const answers = posts.map((p) => json(p).body);
      const unused = new Set(answers.keys());
      msgs.slice(0, posts.length).forEach((m, i) => {
        if (m.key !== 'key1') d.push(`message ${i}: key expected key1, got ${clip(m.key)}`);
        let entry: unknown;
        try {
          entry = JSON.parse(m.value);
        } catch {
          d.push(`message ${i}: not JSON: ${clip(m.value)}`);
          return;
        }
        const logged = at(entry, 'llm_response_text.content');
        const match = [...unused].find((j) => at(answers[j], 'choices.0.message.content') === logged) ?? [...unused][0];
        if (match === undefined) return;
        unused.delete(match);
        const body = answers[match];
        const by = servedBy(body);
        d.push(
          ...fields(
            entry,
            {
              route_id: 'ai-proxy-multi-route',
              'request.method': 'POST',
              'response.status': 200,
              'llm_summary.model': by === 'deepseek' ? 'deepseek-chat' : 'gpt-4',
              'llm_summary.prompt_tokens': by === 'deepseek' ? 14 : 23,
              'llm_summary.completion_tokens': by === 'deepseek' ? 31 : 8,
              'llm_request.messages': MESSAGES_1PLUS1,
              'llm_request.stream': false,
              'llm_response_text.content': at(body, 'choices.0.message.content'),
            },
            `kafka message ${i}`,
          ),
        );
      });
      return report(
        { id: 'derived:logging-kafka', doc: DOC, section: 'Send Request Log to Logger' },
        d,
        'the doc route with its extra `}` removed, kafka-logger as printed, against a real Kafka broker on 127.0.0.1:9092; a consumer reads topic test2 back',
      );
    } finally {
      await reader?.close();
      await kafka.cleanup();
    }
  });
});
