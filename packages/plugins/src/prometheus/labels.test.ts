import { describe, expect, it } from 'vitest';
import { checkPluginConf } from '@portico/schemas';
import { MAX_MODEL_LABEL_LEN, modelToLabel } from './labels.js';
import { prometheusDefinition } from './schema.js';

describe('modelToLabel', () => {
  it('keeps short names and cuts long ones to 128 bytes', () => {
    expect(modelToLabel('gpt-4')).toBe('gpt-4');
    expect(modelToLabel(undefined)).toBe('');
    expect(modelToLabel('x'.repeat(300))).toBe('x'.repeat(MAX_MODEL_LABEL_LEN));
  });

  it('never ends inside a multi-byte character', () => {
    const cut = modelToLabel('a' + 'é'.repeat(100));
    expect(Buffer.byteLength(cut)).toBe(127);
    expect(cut).toBe('a' + 'é'.repeat(63));
  });
});

describe('prometheusDefinition', () => {
  it('has APISIX priority, version and prefer_name schema', () => {
    expect([prometheusDefinition.priority, prometheusDefinition.version]).toEqual([500, 0.2]);
    expect(checkPluginConf(prometheusDefinition, { prefer_name: 'yes' }, 'route')).toBe(
      'property "prefer_name" validation failed: wrong type: expected boolean, got string',
    );
  });

  it('metadata disabled_labels accepts non-structural labels of known metrics only', () => {
    expect(
      checkPluginConf(
        prometheusDefinition,
        { disabled_labels: { http_status: ['consumer', 'node'], llm_latency: ['llm_model'] } },
        'metadata',
      ),
    ).toBeUndefined();
    expect(checkPluginConf(prometheusDefinition, { disabled_labels: { http_latency: ['type'] } }, 'metadata')).toBe(
      'property "disabled_labels" validation failed: property "http_latency" validation failed: failed to validate item 1: matches none of the enum values',
    );
    expect(checkPluginConf(prometheusDefinition, { disabled_labels: { nope: [] } }, 'metadata')).toBe(
      'property "disabled_labels" validation failed: additional properties forbidden, found nope',
    );
  });
});
