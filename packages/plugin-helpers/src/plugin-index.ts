/** Two plugins were given under one name: which one runs would depend on list order. */
export class DuplicatePluginError extends Error {
  readonly code = 'DUPLICATE_PLUGIN';
  constructor(readonly pluginName: string) {
    super(`plugin "${pluginName}" is loaded twice: every plugin name must be unique`);
    this.name = 'DuplicatePluginError';
  }
}

/** Plugins (or definitions) by name; throws DuplicatePluginError when a name repeats. */
export function indexPlugins<P extends { readonly name: string }>(list: readonly P[]): ReadonlyMap<string, P> {
  const byName = new Map<string, P>();
  for (const p of list) {
    if (byName.has(p.name)) throw new DuplicatePluginError(p.name);
    byName.set(p.name, p);
  }
  return byName;
}
