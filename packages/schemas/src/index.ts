export * from './encryption.js';
export { compileSchema, type Validator } from './validator/compile.js';
export { isSecretRef, luaQ } from './validator/lua.js';
export { injectMeta, metaSchema, INJECTED_COMMENT } from './meta.js';
export { checkPluginConf, checkPlugins, pluginSchemaFor } from './plugin-check.js';
export { checkUpstream, parseAddrPort } from './upstream-check.js';
export { checkVars, exprError } from './vars.js';
export { compileExpr, ExprError, luaToNumber, type CompiledExpr, type VarLookup } from './expr/index.js';
export * from './resources/index.js';
