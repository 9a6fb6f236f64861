import type { UpstreamReport } from '@portico/plugin-sdk';

/**
 * A test double of the data plane's upstream report: each fact lands in the fake context's
 * variables under its nginx name, with the value the transport reported (status as a number),
 * so plugin unit tests read them where the data plane would derive them.
 */
export function upstreamIntoVars(set: (name: string, value: string | number) => void): UpstreamReport {
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  return {
    exchange(scheme, uri) {
      set('upstream_scheme', scheme);
      set('upstream_uri', uri);
    },
    attempt(addr, host) {
      set('upstream_addr', addr);
      set('upstream_host', host);
    },
    responded(status, ms) {
      set('upstream_status', status);
      set('upstream_header_time', seconds(ms));
    },
    failed(status, ms) {
      set('upstream_status', status);
      set('upstream_response_time', seconds(ms));
    },
    finished(ms) {
      set('upstream_response_time', seconds(ms));
    },
  };
}
