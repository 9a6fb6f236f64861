/**
 * APISIX's built-in defaults for the keys Portico reads (apisix/cli/config.lua). The user's
 * conf/config.yaml is merged over this tree, exactly as APISIX merges config.yaml over
 * config-default.
 */
export function defaultConf(): Record<string, unknown> {
  return {
    apisix: {
      node_listen: [9080],
      enable_admin: true,
      enable_server_tokens: true,
      ssl: { enable: true, listen: [{ port: 9443, enable_http2: true }], ssl_protocols: 'TLSv1.2 TLSv1.3' },
      data_encryption: { enable_encrypt_fields: true, keyring: ['qeddd145sfvddff3', 'edd1c9f0985e76a2'] },
    },
    nginx_config: {
      worker_processes: 'auto',
      worker_shutdown_timeout: '240s',
      http: {
        enable_access_log: true,
        access_log: 'logs/access.log',
        access_log_format:
          '$remote_addr - $remote_user [$time_local] $http_host "$request" $status $body_bytes_sent $request_time "$http_referer" "$http_user_agent" $upstream_addr $upstream_status $upstream_response_time "$upstream_scheme://$upstream_host$upstream_uri"',
        access_log_format_escape: 'default',
      },
    },
    plugin_attr: {},
    deployment: {
      role: 'traditional',
      admin: {
        admin_key_required: true,
        admin_key: [{ name: 'admin', key: '', role: 'admin' }],
        enable_admin_cors: true,
        allow_admin: ['127.0.0.0/24'],
        admin_listen: { ip: '0.0.0.0', port: 9180 },
        admin_api_version: 'v3',
      },
      etcd: {
        host: ['http://127.0.0.1:2379'],
        prefix: '/apisix',
        timeout: 30,
        resync_delay: 5,
      },
    },
  };
}
