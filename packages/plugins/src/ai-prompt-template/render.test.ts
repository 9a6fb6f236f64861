import { describe, expect, it } from 'vitest';
import { fakeContext } from '../testing/fake-context.js';
import { luaNumber } from './lua-text.js';
import { compileTemplate, renderTemplate, TemplateRenderError } from './render.js';

function render(template: unknown, body: unknown, raw = JSON.stringify(body)): unknown {
  const c = compileTemplate(template);
  if (!c.ok) throw new Error(c.error);
  const ctx = fakeContext({ uri: '/echo' });
  ctx.vars.set('route_name', 'r1');
  return JSON.parse(renderTemplate(c.node, { body, rawBody: Buffer.from(raw), ctx }));
}

const msg = (content: string) => ({ model: 'm', messages: [{ role: 'user', content }] });

describe('prompt template rendering', () => {
  it('fills {{ variables }} from the body and leaves missing ones empty (APISIX t/plugin/ai-prompt-template.t)', () => {
    expect(render(msg('Explain about {{ topic }} in {{ level }}.'), { topic: 'psychology', level: 'brief' })).toEqual(
      msg('Explain about psychology in brief.'),
    );
    expect(render(msg('Explain about {{ topic }} in {{ level }}.'), { 'topic-missing': 'x' })).toEqual(
      msg('Explain about  in .'),
    );
  });

  it('HTML-escapes {{ }} output as lua-resty-template does and writes {* *} raw', () => {
    expect(render(msg(`{{ v }}|{* v *}`), { v: `a/b "c" <d> & 'e'` })).toEqual(
      msg(`a&#47;b &quot;c&quot; &lt;d&gt; &amp; &#39;e&#39;|a/b "c" <d> & 'e'`),
    );
  });

  it('keeps JSON valid whatever the values hold', () => {
    expect(render(msg('{* v *}'), { v: 'line1\n"quoted"\\' })).toEqual(msg('line1\n"quoted"\\'));
  });

  it('prints numbers, booleans and null the way Lua does', () => {
    expect(render(msg('{{a}} {{b}} {{c}} {{d}} {{e}} {{f}}'), { a: 3, b: 1.5, c: 1e21, d: true, e: null, f: 0.1 })).toEqual(
      msg('3 1.5 1e+21 true  0.1'),
    );
    expect(luaNumber(1234567890123456)).toBe('1.2345678901235e+15');
    expect(luaNumber(12345678901234)).toBe('12345678901234');
    expect(luaNumber(1e-5)).toBe('1e-05');
    expect(luaNumber(-2)).toBe('-2');
  });

  it('reads nested fields, 1-based array items, `or` defaults, _escape_json, _body and _ctx.var', () => {
    const body = { user: { name: 'ann' }, items: ['x', 'y'] };
    expect(
      render(msg(`{{ user.name }} {{ user["name"] }} {{ items[2] }} {{ level or 'brief' }} {* _escape_json(items) *}`), body),
    ).toEqual(msg('ann ann y brief ["x","y"]'));
    expect(render(msg('{* _body *}|{{ _ctx.var.route_name }}'), { a: 1 }, '{"a":1}')).toEqual(msg('{"a":1}|r1'));
  });

  it('renders model and any extra template field, and drops {# comments #}', () => {
    expect(
      render({ model: '{{m}}', temperature: 0.2, messages: [{ role: 'user', content: 'a{# note #}b' }] }, { m: 'gpt-4' }),
    ).toEqual({
      model: 'gpt-4',
      temperature: 0.2,
      messages: [{ role: 'user', content: 'ab' }],
    });
  });

  it('reports indexing a missing table as a render error, like a Lua runtime error', () => {
    const c = compileTemplate(msg('{{ user.name }}'));
    if (!c.ok) throw new Error(c.error);
    expect(() => renderTemplate(c.node, { body: {}, rawBody: Buffer.from('{}'), ctx: fakeContext() })).toThrow(
      TemplateRenderError,
    );
  });

  it('reports Lua code blocks and calls it cannot evaluate as compile errors', () => {
    expect(compileTemplate(msg('{% for i=1,3 do %}x{% end %}'))).toMatchObject({ ok: false });
    expect(compileTemplate(msg('{{ string.upper(x) }}'))).toMatchObject({ ok: false });
    expect(compileTemplate(msg('unclosed {{ tag'))).toMatchObject({ ok: true });
  });
});
