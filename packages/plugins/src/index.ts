import type { PluginModule } from '@portico/plugin-sdk';

/** Every plugin Portico ships, in no particular order (the pipeline sorts by priority). */
export const allPlugins: readonly PluginModule[] = [];

const byName = new Map(allPlugins.map((p) => [p.name, p]));

/** Look a plugin up by its APISIX name. */
export function getPlugin(name: string): PluginModule | undefined {
  return byName.get(name);
}
