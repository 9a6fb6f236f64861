/**
 * Runtime helpers shared by plugins and the apps (the contract types stay in
 * @portico/plugin-sdk). Pure code, no I/O, no dependency beyond the contract.
 */
export { definePlugin, type PluginRuntime } from './define-plugin.js';
export { HOP_BY_HOP_HEADERS } from './hop-by-hop.js';
export { DuplicatePluginError, indexPlugins } from './plugin-index.js';
export { nginxErrorPage } from './nginx-error-page.js';
export { isPushBody } from './push-body.js';
export { classifyUpstreamError, type UpstreamFailure } from './upstream-error.js';
