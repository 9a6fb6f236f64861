import type { PluginDefinition, PluginModule } from '@portico/plugin-sdk';

/** What a plugin's runtime adds to its definition: prepare/destroy and the phase hooks. */
export type PluginRuntime<Conf, State> = Omit<PluginModule<Conf, State>, keyof PluginDefinition<Conf>>;

/**
 * A plugin's runtime module: its schema-only definition (`<plugin>/schema.ts`, what the Admin
 * API validates with) plus hooks. The runtime cannot restate a definition field, so the two
 * never drift.
 */
export function definePlugin<Conf, State = Conf>(
  definition: PluginDefinition<Conf>,
  runtime: PluginRuntime<Conf, State>,
): PluginModule<Conf, State> {
  return { ...definition, ...runtime };
}
