/**
 * Per-protocol text readers of the guards (APISIX ai-protocols/*.lua extract_system_content,
 * extract_turn_content, extract_request_content): what each client protocol's body holds as
 * system prompt and conversation turns. Role-tagged messages come from the prompt plugins'
 * `getMessages` (ai-prompt-shared/protocols.ts).
 */
type Body = Readonly<Record<string, unknown>>;

export interface ProtocolReader {
  system(body: Body): string[];
  /** Texts of turns whose role is in `roles`: all, or only the trailing run (`last`). */
  turns(body: Body, mode: 'last' | 'all', roles: ReadonlySet<string>): string[];
  all(body: Body): string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const list = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);

/** String content, or the `type: "text"` parts of an array (chat and Anthropic messages). */
function contentTexts(content: unknown, into: string[]): void {
  if (typeof content === 'string') into.push(content);
  else for (const p of list(content)) if (isObject(p) && p.type === 'text' && typeof p.text === 'string') into.push(p.text);
}

/** The indexes to read: every one (`all`) or the trailing run of matching items (`last`). */
function turnRange(items: readonly unknown[], mode: 'last' | 'all', matches: (i: unknown) => boolean): number {
  if (mode === 'all') return 0;
  let start = items.length;
  while (start > 0 && matches(items[start - 1])) start -= 1;
  return start;
}

function roleTurns(
  items: readonly unknown[],
  mode: 'last' | 'all',
  matches: (i: unknown) => boolean,
  read: (i: unknown, into: string[]) => void,
): string[] {
  const out: string[] = [];
  for (let i = turnRange(items, mode, matches); i < items.length; i++) if (matches(items[i])) read(items[i], out);
  return out;
}

const hasRole =
  (roles: ReadonlySet<string>) =>
  (m: unknown): boolean =>
    isObject(m) && typeof m.role === 'string' && roles.has(m.role);
const messageText = (m: unknown, into: string[]): void => {
  if (isObject(m)) contentTexts(m.content, into);
};

/** `system` covers OpenAI's `developer` role too (same prompt slot). */
const SYSTEM_ROLES = new Set(['system', 'developer']);

export const openaiChat: ProtocolReader = {
  system: (body) => roleTurns(list(body.messages), 'all', hasRole(SYSTEM_ROLES), messageText),
  turns: (body, mode, roles) => roleTurns(list(body.messages), mode, hasRole(roles), messageText),
  all: (body) => roleTurns(list(body.messages), 'all', () => true, messageText),
};

function embeddingsInput(body: Body): string[] {
  if (typeof body.input === 'string') return [body.input];
  return list(body.input).filter((i): i is string => typeof i === 'string');
}

export const openaiEmbeddings: ProtocolReader = {
  system: () => [],
  turns: (body, _mode, roles) => (roles.has('user') ? embeddingsInput(body) : []),
  all: embeddingsInput,
};

export const anthropicMessages: ProtocolReader = {
  system: (body) => {
    const out: string[] = [];
    contentTexts(body.system, out);
    return out;
  },
  turns: (body, mode, roles) => roleTurns(list(body.messages), mode, hasRole(roles), messageText),
  all: (body) => roleTurns(list(body.messages), 'all', () => true, messageText),
};

/** A Responses `input` item's text: a string item, `content` (string or parts), `text`, or a tool `output`. */
function itemText(item: unknown, into: string[]): void {
  if (typeof item === 'string') {
    into.push(item);
    return;
  }
  if (!isObject(item)) return;
  const c = item.content;
  if (typeof c === 'string') into.push(c);
  else if (Array.isArray(c)) {
    for (const p of c) if (isObject(p) && typeof p.text === 'string') into.push(p.text);
  } else if (c === undefined || c === null) {
    if (typeof item.text === 'string') into.push(item.text);
    else if (typeof item.output === 'string') into.push(item.output);
    else for (const p of list(item.output)) if (isObject(p) && typeof p.text === 'string') into.push(p.text);
  }
}

const responsesTurn =
  (roles: ReadonlySet<string>) =>
  (item: unknown): boolean => {
    if (typeof item === 'string') return roles.has('user');
    if (!isObject(item)) return false;
    if (item.role !== undefined && item.role !== null) return typeof item.role === 'string' && roles.has(item.role);
    return roles.has('tool') && item.type === 'function_call_output';
  };

export const openaiResponses: ProtocolReader = {
  system: (body) => {
    const out = typeof body.instructions === 'string' ? [body.instructions] : [];
    for (const item of list(body.input))
      if (isObject(item) && typeof item.role === 'string' && SYSTEM_ROLES.has(item.role)) itemText(item, out);
    return out;
  },
  turns: (body, mode, roles) => {
    if (typeof body.input === 'string') return roles.has('user') ? [body.input] : [];
    return roleTurns(list(body.input), mode, responsesTurn(roles), itemText);
  },
  all: (body) => {
    const out = typeof body.input === 'string' ? [body.input] : roleTurns(list(body.input), 'all', () => true, itemText);
    if (typeof body.instructions === 'string') out.push(body.instructions);
    return out;
  },
};

/** `text` of every block of a Bedrock content list. */
function blockTexts(blocks: unknown, into: string[]): void {
  for (const b of list(blocks)) if (isObject(b) && typeof b.text === 'string') into.push(b.text);
}
const bedrockMessageText = (m: unknown, into: string[]): void => {
  if (isObject(m)) blockTexts(m.content, into);
};

export const bedrockConverse: ProtocolReader = {
  system: (body) => {
    const out: string[] = [];
    blockTexts(body.system, out);
    return out;
  },
  turns: (body, mode, roles) => roleTurns(list(body.messages), mode, hasRole(roles), bedrockMessageText),
  all: (body) => roleTurns(list(body.messages), 'all', () => true, bedrockMessageText),
};
