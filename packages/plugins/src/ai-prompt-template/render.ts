/**
 * Prompt templates as ai-prompt-template renders them: APISIX JSON-encodes the template and
 * runs it through body-transformer's lua-resty-template with the decoded request body as the
 * variables. Portico compiles every string of the template once per config revision and
 * renders each string on its own, so the result is always valid JSON (APISIX pastes values
 * into the JSON text as they are).
 */
import type { RequestContext } from '@portico/plugin-sdk';
import { cjsonEncode, luaText } from './lua-text.js';
import { parseExpr, TemplateCompileError, type Expr } from './expr.js';

export { TemplateCompileError } from './expr.js';

/** A value a tag could not produce (Lua would raise a runtime error while rendering). */
export class TemplateRenderError extends Error {}

/** Literal text or a tag: `{{ }}` escapes HTML, `{* *}` writes raw. */
type Part = string | { readonly expr: Expr; readonly escape: boolean };

/** A compiled template value: strings become parts, containers are walked. */
export type TemplateNode =
  | { readonly kind: 'text'; readonly parts: readonly Part[] }
  | { readonly kind: 'array'; readonly items: readonly TemplateNode[] }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, TemplateNode])[] }
  | { readonly kind: 'value'; readonly value: unknown };

/** A template ready to render, or the compile error to answer when it is used. */
export type CompiledTemplate =
  | { readonly ok: true; readonly node: TemplateNode }
  | { readonly ok: false; readonly error: string };

const OPENERS: Readonly<Record<string, string>> = { '{{': '}}', '{*': '*}', '{#': '#}', '{%': '%}', '{(': ')}', '{[': ']}' };

/** Split a string into literal text and tags. Unclosed tags stay literal text. */
function compileText(s: string): Part[] {
  const parts: Part[] = [];
  let lit = '';
  let i = 0;
  while (i < s.length) {
    const open = s.slice(i, i + 2);
    const close = OPENERS[open];
    const end = close === undefined ? -1 : s.indexOf(close, i + 2);
    if (close === undefined || end < 0) {
      lit += s[i];
      i++;
      continue;
    }
    const inner = s.slice(i + 2, end);
    i = end + 2;
    if (open === '{#') continue;
    if (open !== '{{' && open !== '{*')
      throw new TemplateCompileError(`unsupported tag "${open}${inner}${close}": only {{ }}, {* *} and {# #} are supported`);
    if (lit !== '') parts.push(lit);
    lit = '';
    parts.push({ expr: parseExpr(inner), escape: open === '{{' });
  }
  if (lit !== '') parts.push(lit);
  return parts;
}

function compileNode(v: unknown): TemplateNode {
  if (typeof v === 'string') return { kind: 'text', parts: compileText(v) };
  if (Array.isArray(v)) return { kind: 'array', items: v.map(compileNode) };
  if (typeof v === 'object' && v !== null) {
    return { kind: 'object', entries: Object.entries(v).map(([k, x]) => [k, compileNode(x)] as const) };
  }
  return { kind: 'value', value: v };
}

/** Compile a configured `template` object once (prepare). */
export function compileTemplate(template: unknown): CompiledTemplate {
  try {
    return { ok: true, node: compileNode(template) };
  } catch (e) {
    if (e instanceof TemplateCompileError) return { ok: false, error: e.message };
    throw e;
  }
}

/** What tags read: the decoded body (variables), its raw text (`_body`) and nginx variables. */
export interface RenderScope {
  readonly body: unknown;
  /** The request body bytes (decoded to text only when a tag reads `_body`). */
  readonly rawBody: Buffer;
  readonly ctx: RequestContext;
}

const nilIndex = (what: string): TemplateRenderError => new TemplateRenderError(`attempt to index ${what} (a nil value)`);

function index(cur: unknown, key: string | number, path: string): unknown {
  if (cur === undefined || cur === null) throw nilIndex(`'${path}'`);
  if (Array.isArray(cur)) return typeof key === 'number' ? cur[key - 1] : undefined;
  if (typeof cur === 'object')
    return typeof key === 'string' && Object.hasOwn(cur, key) ? (cur as Record<string, unknown>)[key] : undefined;
  if (typeof cur === 'string') return undefined;
  throw new TemplateRenderError(`attempt to index '${path}' (a ${typeof cur} value)`);
}

function evaluate(e: Expr, scope: RenderScope): unknown {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'body':
      return scope.rawBody.toString('utf8');
    case 'var':
      return scope.ctx.vars.get(e.name);
    case 'or': {
      let v: unknown;
      for (const item of e.items) {
        v = evaluate(item, scope);
        if (v !== undefined && v !== false) return v;
      }
      return v;
    }
    case 'call': {
      const v = evaluate(e.arg, scope);
      if (e.fn === '_escape_json') return cjsonEncode(v);
      if (typeof v !== 'string')
        throw new TemplateRenderError(`bad argument to _escape_xml (string expected, got ${v === undefined ? 'nil' : typeof v})`);
      return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
    }
    case 'path': {
      const b = scope.body;
      let cur: unknown =
        typeof b === 'object' && b !== null && !Array.isArray(b) && Object.hasOwn(b, e.root)
          ? (b as Record<string, unknown>)[e.root]
          : undefined;
      let path = e.root;
      for (const k of e.keys) {
        cur = index(cur, k, path);
        path += typeof k === 'number' ? `[${k}]` : `.${k}`;
      }
      return cur;
    }
  }
}

function renderText(parts: readonly Part[], scope: RenderScope): string {
  let out = '';
  for (const p of parts) out += typeof p === 'string' ? p : luaText(evaluate(p.expr, scope), p.escape);
  return out;
}

function renderNode(n: TemplateNode, scope: RenderScope): unknown {
  switch (n.kind) {
    case 'text':
      return renderText(n.parts, scope);
    case 'array':
      return n.items.map((x) => renderNode(x, scope));
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, x] of n.entries) o[k] = renderNode(x, scope);
      return o;
    }
    case 'value':
      return n.value;
  }
}

/** Render a compiled template into the new request body text. Throws TemplateRenderError. */
export function renderTemplate(node: TemplateNode, scope: RenderScope): string {
  return JSON.stringify(renderNode(node, scope));
}
