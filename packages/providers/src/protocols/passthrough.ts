import type { AiProtocol } from './types.js';

/**
 * Any other non-empty JSON body (apisix/plugins/ai-protocols/passthrough.lua): forwarded to
 * the client's own URI with its method and query; nothing is read from the response.
 */
export const passthrough: AiProtocol = {
  name: 'passthrough',
  matches: (body) => Object.keys(body).length > 0,
  isStreaming: (body) => body.stream === true,
  prepareOutgoing: () => false,
  extractUsage: () => undefined,
  extractResponseText: () => undefined,
  hasToolCall: () => false,
  parseSseEvent: () => ({ type: 'skip' }),
  requestContent: () => undefined,
};
