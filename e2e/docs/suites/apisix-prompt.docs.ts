import { describe } from 'vitest';
import { adminKeyStep, chatChecks, exportStep, expectCalls, llmMessages, routeStep } from '../apisix-steps.js';
import { clip, includedJson, statuses } from '../checks.js';
import { APISIX_DOC_ANSWERS as A } from '../doc-answers.js';
import { step, useSession } from '../harness.js';
import { report } from '../session.js';

const OPENAI_CHAT = ['api.openai.com/v1/chat/completions'];

describe.sequential('apisix 3.18 ai-prompt-decorator doc, run as printed', () => {
  const session = useSession({ doc: 'ai-prompt-decorator (apisix 3.18.0)' });
  const f = (n: string) => `ai-prompt-decorator/${n}`;
  exportStep(session, f('01-export.sh'), ['OPENAI_API_KEY']);
  adminKeyStep(session, f('02-admin-key.sh'));
  routeStep(session, f('03-route.sh'), 201, '1');
  step(f('04-post.sh'), async () => {
    const r = await session().run(f('04-post.sh'));
    const msgs = llmMessages(r);
    const want = [
      { role: 'system', content: 'Answer briefly and conceptually.' },
      { role: 'user', content: 'What is mTLS authentication?' },
      { role: 'user', content: 'End the answer with a simple analogy.' },
    ];
    return report(r, [
      ...chatChecks(r, A.mtls),
      ...expectCalls(r, OPENAI_CHAT),
      ...(JSON.stringify(msgs) === JSON.stringify(want) ? [] : [`LLM messages: expected ${clip(want)}, got ${clip(msgs)}`]),
    ]);
  });
});

describe.sequential('apisix 3.18 ai-prompt-template doc, run as printed', () => {
  const session = useSession({ doc: 'ai-prompt-template (apisix 3.18.0)' });
  const f = (n: string) => `ai-prompt-template/${n}`;
  const quickSort = [
    { role: 'system', content: 'Answer in brief.' },
    { role: 'user', content: 'Explain quick sort.' },
  ];
  const post = (fixture: string, content: string, messages: unknown) =>
    step(fixture, async () => {
      const r = await session().run(fixture);
      const got = llmMessages(r);
      return report(r, [
        ...chatChecks(r, content),
        ...expectCalls(r, OPENAI_CHAT),
        ...(JSON.stringify(got) === JSON.stringify(messages)
          ? []
          : [`LLM messages: expected ${clip(messages)}, got ${clip(got)}`]),
      ]);
    });
  exportStep(session, f('01-export.sh'), ['OPENAI_API_KEY']);
  adminKeyStep(session, f('02-admin-key.sh'));
  routeStep(session, f('03-route.sh'), 201, '1');
  post(f('04-post.sh'), A.quickSort, quickSort);
  routeStep(session, f('05-patch.sh'), 200, '1');
  post(f('06-post.sh'), A.quickSort, quickSort);
  post(f('07-post.sh'), A.echo, [{ role: 'user', content: 'Echo hello APISIX.' }]);
});

describe.sequential('apisix 3.18 ai-prompt-guard doc, run as printed', () => {
  const session = useSession({ doc: 'ai-prompt-guard (apisix 3.18.0)' });
  const f = (n: string) => `ai-prompt-guard/${n}`;
  const allowed = (fixture: string, content?: string) =>
    step(fixture, async () => {
      const r = await session().run(fixture);
      const d = content
        ? chatChecks(r, content, { model: 'gpt-4-0613', 'choices.0.message.refusal': null, 'choices.0.logprobs': null })
        : statuses(r, [200]);
      return report(r, [...d, ...expectCalls(r, OPENAI_CHAT)]);
    });
  const denied = (fixture: string, message: string) =>
    step(fixture, async () => {
      const r = await session().run(fixture);
      const got = includedJson(r);
      const d = [...statuses(r, [400]), ...got.diffs];
      if (got.body !== undefined && JSON.stringify(got.body) !== JSON.stringify({ message }))
        d.push(`body: expected ${JSON.stringify({ message })}, got ${clip(got.body)}`);
      return report(r, [...d, ...expectCalls(r, [])]);
    });
  exportStep(session, f('01-export.sh'), ['OPENAI_API_KEY']);
  step(f('02-export.sh'), async () => {
    const r = await session().run(f('02-export.sh'));
    const d = statuses(r, []);
    if (session().vars.ALLOW_PATTERN_1 !== '\\\\$?\\\\(?\\\\d{1,3}(,\\\\d{3})*(\\\\.\\\\d{1,2})?\\\\)?')
      d.push('ALLOW_PATTERN_1 not set as printed');
    if (session().vars.DENY_PATTERN_1 !== '(\\\\([0-9]{3}\\\\)|[0-9]{3}-)[0-9]{3}-[0-9]{4}')
      d.push('DENY_PATTERN_1 not set as printed');
    return report(r, d);
  });
  adminKeyStep(session, f('03-admin-key.sh'));
  routeStep(session, f('04-route.sh'), 201, '1');
  allowed(f('05-post.sh'), A.coffeeElPaso);
  denied(f('06-post.sh'), "Request doesn't match allow patterns");
  denied(f('07-post.sh'), 'Request contains prohibited content');
  allowed(f('08-post.sh'));
  allowed(f('09-post.sh'));
  step(f('10-export.sh'), async () => {
    const r = await session().run(f('10-export.sh'));
    return report(r, statuses(r, []));
  });
  routeStep(session, f('11-route.sh'), 200, '1');
  denied(f('12-post.sh'), 'Request contains prohibited content');
  denied(f('13-post.sh'), 'Request contains prohibited content');
  allowed(f('14-post.sh'), A.coffeeConforming);
});
