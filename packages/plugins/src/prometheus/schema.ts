/**
 * prometheus definition (apisix/plugins/prometheus.lua 3.18): schema, metadata schema,
 * priority. The runtime (log hook) is in ./index.ts; the exporter in ./exporter.ts.
 */
import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import { METRIC_LABELS, STRUCTURAL_LABELS, type LabelledMetric } from './labels.js';

export interface PrometheusConf {
  prefer_name: boolean;
}

/** plugin_metadata of prometheus: per metric, labels whose value is always "". */
export interface PrometheusMetadata {
  disabled_labels?: Partial<Record<LabelledMetric, readonly string[]>>;
}

function disabledLabelsProperties(): Record<string, JsonSchema> {
  const props: Record<string, JsonSchema> = {};
  for (const [metric, labels] of Object.entries(METRIC_LABELS) as [LabelledMetric, readonly string[]][]) {
    const structural = STRUCTURAL_LABELS[metric] ?? [];
    props[metric] = { type: 'array', items: { type: 'string', enum: labels.filter((l) => !structural.includes(l)) } };
  }
  return props;
}

export const prometheusDefinition: PluginDefinition<PrometheusConf> = {
  name: 'prometheus',
  version: 0.2,
  priority: 500,
  schema: {
    type: 'object',
    properties: { prefer_name: { type: 'boolean', default: false } },
  },
  metadataSchema: {
    type: 'object',
    properties: {
      disabled_labels: { type: 'object', properties: disabledLabelsProperties(), additionalProperties: false },
    },
  },
};
