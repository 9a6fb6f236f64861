import type { UpstreamFactory } from '@portico/plugin-sdk';
import { UpstreamRuntime } from './upstream.js';

/**
 * PluginServices.upstreams: an upstream a plugin prepares once per config revision (traffic-split
 * inline upstreams) is an UpstreamRuntime like a route's — same pools, picker, retries and
 * timeouts — owned by the plugin state (closed by its `destroy`).
 */
export const pluginUpstreams: UpstreamFactory = {
  create(conf) {
    return new UpstreamRuntime({ ...conf });
  },
};
