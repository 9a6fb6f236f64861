/** Portico configuration, in APISIX's conf/config.yaml shape (only the keys Portico reads). */

export type DeploymentRole = 'traditional' | 'control_plane' | 'data_plane';

export type ConfigProvider = 'etcd' | 'yaml' | 'json';

export interface AdminKey {
  name: string;
  key: string;
  role: 'admin' | 'viewer';
}

export interface ListenAddr {
  ip: string;
  port: number;
}

export interface EtcdConf {
  /** URLs, e.g. ["http://127.0.0.1:2379"]. */
  host: string[];
  /** Key prefix, default "/apisix". */
  prefix: string;
  /** Seconds, default 30. */
  timeout: number;
  user?: string;
  password?: string;
  /** Seconds between resync attempts after a watch error (APISIX resync_delay, default 5). */
  resyncDelay: number;
}

export interface PorticoConf {
  /** Absolute path of the file this was read from (for write-back of a generated key). */
  path: string;
  apisix: {
    /** Data-plane listeners (apisix.node_listen), default [{ip:"0.0.0.0", port:9080}]. */
    nodeListen: ListenAddr[];
    enableServerTokens: boolean;
    /** apisix.proxy_mode: `http` (default), `stream` or `http&stream`; stream routes are stored only when it has stream. */
    proxyMode: 'http' | 'stream' | 'http&stream';
    /**
     * Status API listener (apisix.status): GET /status and /status/ready. Undefined when the
     * key is absent, as in APISIX (apisix/cli/ops.lua only renders the server when configured);
     * `ip` defaults to 127.0.0.1 and `port` to 7085.
     */
    status?: ListenAddr;
    dataEncryption: { enableEncryptFields: boolean; keyring: string[] };
    /**
     * The HTTPS listeners (apisix.ssl): certificates come from `ssls` objects, chosen by SNI.
     * `listen` is empty when `enable` is false. `protocols`: apisix.ssl.ssl_protocols, the
     * default for certificates without their own `ssl_protocols`.
     */
    ssl: { listen: (ListenAddr & { http2: boolean })[]; protocols: string[] };
  };
  deployment: {
    role: DeploymentRole;
    /**
     * Where the configuration comes from: `etcd`, or standalone (`yaml` / `json`):
     * `deployment.role_data_plane.config_provider` for a data plane (file-driven:
     * `standaloneFile` re-read on change), `deployment.role_traditional.config_provider: yaml`
     * for API-driven standalone (`/apisix/admin/configs`). A control plane always uses etcd.
     */
    configProvider: ConfigProvider;
    /** `conf/apisix.yaml` (or `.json`) beside the config file, read in standalone mode. */
    standaloneFile: string;
    admin: {
      adminKeyRequired: boolean;
      /** APISIX default [{name: admin, key: '', role: admin}] when absent; empty when `admin_key: null` (auth bypassed, as APISIX). */
      adminKey: AdminKey[];
      adminListen: ListenAddr;
      /** CIDRs; undefined = allow all. */
      allowAdmin: string[] | undefined;
      enableAdminCors: boolean;
      adminApiVersion: 'v3' | 'v2';
    };
    etcd: EtcdConf;
  };
  nginxConfig: {
    /** "auto" resolved to the core count. */
    workerProcesses: number;
    /**
     * Seconds a draining data plane waits for in-flight requests and streams after SIGTERM
     * (nginx_config.worker_shutdown_timeout, APISIX default "240s"). Absent means 240.
     */
    workerShutdownTimeout?: number;
    http: {
      /** nginx log_format string with $vars, APISIX default when unset. */
      accessLogFormat: string;
      /** "default" | "json"-like escape names (nginx access_log_format_escape). */
      accessLogFormatEscape: string;
      /** false disables the access log; else a file path or "stdout"/"-". */
      accessLog: string | false;
    };
  };
  /** plugin_attr from config.yaml, by plugin name. */
  pluginAttr: Record<string, Record<string, unknown>>;
  /** The raw parsed YAML, after env substitution. */
  raw: Record<string, unknown>;
}
