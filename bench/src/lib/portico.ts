import { startPortico, type PorticoApps } from '@portico/testkit';
import type { Ctx } from '../scenarios/context.js';
import { fetchText, pollUntil } from './admin.js';

/**
 * One more Portico data plane (no admin) on the bench's etcd with `workers` workers, access log
 * off like the first one, stopped with the run. Resolves once it serves the bench routes.
 */
export async function porticoWith(ctx: Ctx, workers: number, opts: { status?: boolean } = {}): Promise<PorticoApps> {
  const apps = await startPortico({
    etcdEndpoint: ctx.env.etcd.endpoint,
    admin: false,
    workers,
    ...(opts.status ? { status: true } : {}),
    env: ctx.env.porticoEnv,
    extraConf: { nginx_config: { http: { enable_access_log: false } } },
  });
  ctx.procs.own({ name: `portico-${workers}w`, stop: () => apps.stop() });
  const url = apps.dataPlanes[0]!.url;
  if (!(await pollUntil(async () => (await fetchText(`${url}/plain/ready`)).status === 200, 15_000)))
    throw new Error(`the ${workers}-worker data plane never served the bench routes:\n${apps.logs(20)}`);
  return apps;
}
