/**
 * Conf schemas of the secret managers (apisix/secret/<name>.lua `schema`), with no I/O: the
 * Admin API checks `secrets/<manager>/<id>` bodies against these.
 */
import type { JsonSchema } from '@portico/plugin-sdk';

const uriDef = { type: 'string', pattern: '^[^\\/]+:\\/\\/([\\da-zA-Z.-]+|\\[[\\da-fA-F:]+\\])(:\\d+)?' };

export const vaultSchema: JsonSchema = {
  type: 'object',
  properties: {
    uri: uriDef,
    prefix: { type: 'string' },
    token: { type: 'string' },
    namespace: { type: 'string' },
  },
  required: ['uri', 'prefix', 'token'],
};

export const awsSchema: JsonSchema = {
  type: 'object',
  properties: {
    access_key_id: { type: 'string' },
    secret_access_key: { type: 'string' },
    session_token: { type: 'string' },
    region: { type: 'string', default: 'us-east-1' },
    endpoint_url: uriDef,
  },
  required: ['access_key_id', 'secret_access_key'],
};

export const gcpSchema: JsonSchema = {
  type: 'object',
  properties: {
    auth_config: {
      type: 'object',
      properties: {
        client_email: { type: 'string' },
        private_key: { type: 'string' },
        project_id: { type: 'string' },
        token_uri: { type: 'string', default: 'https://oauth2.googleapis.com/token' },
        scope: { type: 'array', items: { type: 'string' }, default: ['https://www.googleapis.com/auth/cloud-platform'] },
        entries_uri: { type: 'string', default: 'https://secretmanager.googleapis.com/v1' },
      },
      required: ['client_email', 'private_key', 'project_id'],
    },
    ssl_verify: { type: 'boolean', default: true },
    auth_file: { type: 'string' },
  },
  oneOf: [{ required: ['auth_config'] }, { required: ['auth_file'] }],
};

/** Schemas by manager name (the first segment of a secret id). */
export const secretManagerSchemas: Readonly<Record<string, JsonSchema>> = { vault: vaultSchema, aws: awsSchema, gcp: gcpSchema };
