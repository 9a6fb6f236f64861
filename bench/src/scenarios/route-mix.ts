/** Synthetic route tables for the scale scenario: exact, prefix, host and method routes mixed. */

/** The parts of a route the router and etcd both need. */
export interface SynthRoute {
  id: string;
  uris: string[];
  methods?: string[];
  hosts?: string[];
  priority?: number;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];

/** `n` routes: 40 % exact, 30 % prefix, 20 % with hosts (a quarter wildcard), 10 % two uris; half with methods. */
export function synthRoutes(n: number): SynthRoute[] {
  const out: SynthRoute[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 10;
    const r: SynthRoute = { id: `s${i}`, uris: [] };
    if (k < 4) r.uris.push(`/s/api/v${i % 7}/items/${i}`);
    else if (k < 7) r.uris.push(`/s/svc${i}/*`);
    else if (k < 9) {
      r.uris.push(`/s/h/${i % 50}/*`);
      r.hosts = [i % 4 === 0 ? `*.t${i}.example.com` : `h${i}.example.com`];
    } else r.uris.push(`/s/multi/${i}/a`, `/s/multi/${i}/b/*`);
    if (i % 2 === 0) r.methods = [METHODS[i % 4]!, 'HEAD'];
    if (i % 13 === 0) r.priority = i % 3;
    out.push(r);
  }
  return out;
}

/** A request (uri, method, host) that matches route `i` of {@link synthRoutes}. */
export function requestFor(i: number): { uri: string; method: string; host: string } {
  const k = i % 10;
  const method = i % 2 === 0 ? METHODS[i % 4]! : 'GET';
  if (k < 4) return { uri: `/s/api/v${i % 7}/items/${i}`, method, host: 'bench.local' };
  if (k < 7) return { uri: `/s/svc${i}/deep/path/x`, method, host: 'bench.local' };
  if (k < 9) return { uri: `/s/h/${i % 50}/q`, method, host: i % 4 === 0 ? `a.t${i}.example.com` : `h${i}.example.com` };
  return { uri: `/s/multi/${i}/b/z`, method, host: 'bench.local' };
}
