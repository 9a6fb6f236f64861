// Static checks of the deployable artifacts (no Docker engine or Helm binary needed): the
// Dockerfile's stages, user, ports and health check; compose services, images, health checks
// and configs; the Helm chart's objects, values and probes; and that the same ports and probe
// paths are used everywhere. Configs are read with Portico's own loader (parseConf).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConf } from '../../packages/conf/src/index.js';
import { durationSeconds, getPath, parseDockerfile, parseYaml, parseYamlStream, readRepoFile, repoRoot } from './support.js';

type Tree = Record<string, unknown>;
const dockerfile = parseDockerfile(readRepoFile('Dockerfile'));
const stageOf = (name: string): number =>
  dockerfile.find((i) => i.keyword === 'FROM' && i.args.endsWith(` AS ${name}`))?.stage ?? -99;
const runtime = stageOf('runtime');
const inStage = (stage: number, keyword: string): string[] =>
  dockerfile.filter((i) => i.stage === stage && i.keyword === keyword).map((i) => i.args);
const exposed = (inStage(runtime, 'EXPOSE')[0] ?? '').split(/\s+/).map(Number);
const entrypointCommands = [...readRepoFile('deploy/docker/entrypoint.sh').matchAll(/^ {2}([a-z-]+)\)$/gm)].map((m) => m[1]);

const compose = parseYaml(readRepoFile('deploy/compose.yaml')) as { services: Record<string, Tree> };
const chartDir = 'deploy/helm/portico';
const values = parseYaml(readRepoFile(`${chartDir}/values.yaml`)) as Tree;
const templateFiles = readdirSync(join(repoRoot, chartDir, 'templates'));
const template = (name: string): string => readRepoFile(`${chartDir}/templates/${name}`);

describe('Dockerfile', () => {
  it('builds in deps, build and runtime stages from one pinned Node 20 image', () => {
    expect(dockerfile.filter((i) => i.keyword === 'FROM').map((i) => i.args)).toEqual([
      '${NODE_IMAGE} AS deps',
      'deps AS build',
      '${NODE_IMAGE} AS runtime',
    ]);
    const arg = dockerfile.find((i) => i.stage === -1 && i.keyword === 'ARG')?.args ?? '';
    expect(arg).toMatch(/^NODE_IMAGE=node:20\.\d+\.\d+-bookworm-slim$/);
  });

  it('installs the lockfile frozen with the pnpm of packageManager, builds with turbo, assembles with assemble.sh', () => {
    const pnpm = (JSON.parse(readRepoFile('package.json')) as { packageManager: string }).packageManager;
    expect(inStage(stageOf('deps'), 'RUN').join('\n')).toContain(`npm install -g ${pnpm} `);
    const build = inStage(stageOf('build'), 'RUN').join('\n');
    expect(build).toContain('pnpm install --frozen-lockfile --offline');
    expect(build).toContain('turbo run build --filter=@portico/admin... --filter=@portico/data-plane...');
    expect(build).toContain('bash deploy/docker/assemble.sh /out');
    expect(inStage(runtime, 'COPY')).toContain('--from=build --chown=root:root /out/ /app/');
  });

  it('runs as a non-root user through the entrypoint, with a HEALTHCHECK and OCI labels', () => {
    expect(inStage(runtime, 'USER')).toEqual(['10001:10001']);
    expect(inStage(runtime, 'ENTRYPOINT')).toEqual(['["/app/portico"]']);
    expect(inStage(runtime, 'CMD')).toEqual(['["data-plane"]']);
    expect(inStage(runtime, 'HEALTHCHECK')[0]).toMatch(/ CMD \["\/app\/portico", "healthcheck"\]$/);
    expect(inStage(runtime, 'STOPSIGNAL')).toEqual(['SIGTERM']);
    const labels = inStage(runtime, 'LABEL').join(' ');
    for (const l of ['title', 'description', 'version', 'revision', 'source']) {
      expect(labels).toContain(`org.opencontainers.image.${l}=`);
    }
  });

  it('exposes the data plane, Admin API and status ports of the default config', () => {
    expect(exposed).toEqual([9080, 9180, 7085]);
    const conf = parseConf(readRepoFile('deploy/docker/config.yaml'), 'config.yaml', { PORTICO_ADMIN_KEY: 'k' });
    expect(conf.apisix.nodeListen).toEqual([{ ip: '0.0.0.0', port: 9080 }]);
    expect(conf.deployment.admin.adminListen).toEqual({ ip: '0.0.0.0', port: 9180 });
    expect(getPath(conf.raw, 'apisix.status')).toEqual({ ip: '0.0.0.0', port: 7085 });
    expect(conf.deployment.admin.adminKey).toEqual([{ name: 'admin', key: 'k', role: 'admin' }]);
    expect(conf.nginxConfig.http.accessLog).toBe('stdout');
  });

  it('keeps dependencies, build outputs and local data out of the build context, but not the lockfile', () => {
    const ignored = readRepoFile('.dockerignore')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const p of ['.git', '**/node_modules', '**/dist', '.data', 'logs']) expect(ignored).toContain(p);
    for (const p of ['pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc', 'package.json', 'deploy']) {
      expect(ignored).not.toContain(p);
    }
  });
});

describe('compose', () => {
  const services = compose.services;
  const dataPlanes = ['data-plane-1', 'data-plane-2', 'data-plane-3'];

  it('runs etcd, Redis, one admin and three data planes', () => {
    expect(Object.keys(services).sort()).toEqual(['admin', ...dataPlanes, 'etcd', 'redis'].sort());
  });

  it('pins third-party images to a version and builds Portico from the Dockerfile', () => {
    expect(services.etcd?.image).toMatch(/^quay\.io\/coreos\/etcd:v3\.5\.\d+$/);
    expect(services.redis?.image).toMatch(/^redis:7\.\d+\.\d+-alpine$/);
    for (const name of ['admin', ...dataPlanes]) {
      expect(services[name]?.image).toBe('portico:local');
      expect(services[name]?.build).toEqual({ context: '..', dockerfile: 'Dockerfile' });
      expect(existsSync(join(repoRoot, 'deploy', '..', 'Dockerfile'))).toBe(true);
    }
  });

  it('gives every service a health check and starts Portico only after a healthy etcd', () => {
    for (const [name, svc] of Object.entries(services)) expect(getPath(svc, 'healthcheck.test'), name).toBeDefined();
    for (const name of ['admin', ...dataPlanes]) {
      expect(getPath(services[name], 'healthcheck.test')).toEqual(['CMD', '/app/portico', 'healthcheck']);
      expect(getPath(services[name], 'depends_on.etcd')).toEqual({ condition: 'service_healthy' });
    }
    for (const name of dataPlanes) expect(getPath(services[name], 'depends_on.redis')).toEqual({ condition: 'service_healthy' });
  });

  it('runs the entrypoint commands with configs of the matching roles and ports', () => {
    const mounted = (svc: Tree | undefined): string => {
      const vol = ((svc?.volumes ?? []) as string[]).find((v) => v.endsWith(':/app/conf/config.yaml:ro')) ?? '';
      return join('deploy', vol.split(':')[0] ?? '');
    };
    const admin = services.admin;
    expect(admin?.command).toEqual(['admin']);
    const adminConf = parseConf(readRepoFile(mounted(admin)), 'admin.yaml', { PORTICO_ADMIN_KEY: 'k' });
    expect(adminConf.deployment.role).toBe('control_plane');
    expect(admin?.ports).toEqual([`9180:${adminConf.deployment.admin.adminListen.port}`]);
    expect(adminConf.deployment.etcd.host).toEqual(['http://etcd:2379']);

    dataPlanes.forEach((name, i) => {
      const svc = services[name];
      expect(svc?.command).toEqual(['data-plane']);
      const conf = parseConf(readRepoFile(mounted(svc)), 'data-plane.yaml', {});
      expect(conf.deployment.role).toBe('data_plane');
      expect(conf.nginxConfig.workerProcesses).toBe(2);
      const status = getPath(conf.raw, 'apisix.status.port');
      expect(svc?.ports).toEqual([`${9080 + i}:${conf.apisix.nodeListen[0]?.port}`, `${7085 + i}:${String(status)}`]);
      expect(exposed).toContain(conf.apisix.nodeListen[0]?.port);
      expect(exposed).toContain(status);
    });
    for (const svc of [admin, ...dataPlanes.map((n) => services[n])]) {
      expect(entrypointCommands).toContain(((svc?.command ?? []) as string[])[0]);
    }
  });

  it('gives data planes more stop grace than their drain deadline', () => {
    for (const name of dataPlanes) {
      const svc = services[name];
      const conf = parseConf(readRepoFile('deploy/compose/data-plane.yaml'), 'data-plane.yaml', {});
      const drain = durationSeconds(getPath(conf.raw, 'nginx_config.worker_shutdown_timeout'));
      expect(drain).toBe(20);
      expect(durationSeconds(svc?.stop_grace_period)).toBeGreaterThan(drain);
      expect(svc?.stop_signal).toBe('SIGTERM');
    }
  });
});

describe('Helm chart', () => {
  it('has a v2 Chart.yaml whose appVersion is the apps version', () => {
    const chart = parseYaml(readRepoFile(`${chartDir}/Chart.yaml`)) as Tree;
    const admin = JSON.parse(readRepoFile('apps/admin/package.json')) as { version: string };
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'portico', type: 'application', appVersion: admin.version });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('only uses values that values.yaml defines', () => {
    const missing: string[] = [];
    for (const f of templateFiles) {
      for (const m of template(f).matchAll(/(?:\.Values|\$v)\.([A-Za-z_][\w.]*\w)/g)) {
        if (getPath(values, m[1] ?? '') === undefined) missing.push(`${f}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('has balanced template actions and blocks', () => {
    for (const f of templateFiles) {
      const text = template(f);
      expect(text.split('{{').length, f).toBe(text.split('}}').length);
      const opened = text.match(/\{\{-?\s*(if|range|with|define)\b/g)?.length ?? 0;
      const closed = text.match(/\{\{-?\s*end\s*-?\}\}/g)?.length ?? 0;
      expect(closed, f).toBe(opened);
    }
  });

  it('declares the Deployments, Services, ConfigMap, Secret, HPA and PDB with their API versions', () => {
    const kinds = templateFiles
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => {
        const text = template(f);
        return `${/^apiVersion: (\S+)$/m.exec(text)?.[1]} ${/^kind: (\S+)$/m.exec(text)?.[1]}`;
      })
      .sort();
    expect(kinds).toEqual(
      [
        'apps/v1 Deployment',
        'apps/v1 Deployment',
        'autoscaling/v2 HorizontalPodAutoscaler',
        'policy/v1 PodDisruptionBudget',
        'v1 ConfigMap',
        'v1 Secret',
        'v1 Service',
        'v1 Service',
        'v1 Service',
        'monitoring.coreos.com/v1 ServiceMonitor',
      ].sort(),
    );
  });

  it('probes data planes on the status API (/status/ready readiness, /status liveness) at the exposed port', () => {
    const dp = template('data-plane-deployment.yaml');
    expect(dp).toMatch(/readinessProbe:\n\s+httpGet:\n\s+path: \/status\/ready\n\s+port: status\n/);
    expect(dp).toMatch(/livenessProbe:\n\s+httpGet:\n\s+path: \/status\n\s+port: status\n/);
    expect(dp).toContain('containerPort: {{ .Values.dataPlane.status.port }}');
    expect(dp).toContain('containerPort: {{ .Values.dataPlane.port }}');
    expect(template('_helpers.tpl')).toContain('"status" (dict "ip" "0.0.0.0" "port" (int $v.dataPlane.status.port))');
    const ports = ['dataPlane.port', 'admin.port', 'dataPlane.status.port'].map((k) => getPath(values, k));
    expect(exposed).toEqual(ports);
  });

  it('waits out the preStop sleep and the drain deadline before Kubernetes kills a pod', () => {
    const dp = template('data-plane-deployment.yaml');
    expect(dp).toContain(
      'terminationGracePeriodSeconds: {{ add .Values.dataPlane.preStopSleepSeconds .Values.dataPlane.shutdownTimeoutSeconds 10 }}',
    );
    expect(dp).toContain('setTimeout(() => {}, {{ mul .Values.dataPlane.preStopSleepSeconds 1000 }})');
    expect(template('_helpers.tpl')).toContain(
      '"worker_shutdown_timeout" (printf "%ds" (int $v.dataPlane.shutdownTimeoutSeconds))',
    );
    expect(dp).toMatch(/maxUnavailable: 0\n/);
    // APISIX's nginx default worker_shutdown_timeout is 240s: long LLM streams get that long.
    expect(getPath(values, 'dataPlane.shutdownTimeoutSeconds')).toBe(240);
  });

  it('runs the entrypoint commands, mounts each role its config and takes the admin key from a Secret', () => {
    const dp = template('data-plane-deployment.yaml');
    const admin = template('admin-deployment.yaml');
    expect(dp).toContain('args: ["data-plane"]');
    expect(admin).toContain('args: ["admin"]');
    expect(entrypointCommands).toEqual(expect.arrayContaining(['data-plane', 'admin']));
    expect(dp).toMatch(/mountPath: \/app\/conf\/config.yaml\n\s+subPath: data-plane.yaml\n/);
    expect(admin).toMatch(/mountPath: \/app\/conf\/config.yaml\n\s+subPath: admin.yaml\n/);
    expect(template('configmap.yaml')).toContain('include "portico.config" (dict "root" $ "role" "data_plane")');
    expect(template('configmap.yaml')).toContain('include "portico.config" (dict "root" $ "role" "control_plane")');
    expect(admin).toMatch(/- name: PORTICO_ADMIN_KEY\n\s+valueFrom:\n\s+secretKeyRef:\n/);
    expect(template('_helpers.tpl')).toContain('"key" "${{PORTICO_ADMIN_KEY}}"');
    expect(getPath(values, 'etcd.hosts')).toEqual(['http://etcd:2379']);
  });

  it('exports data-plane metrics on a metrics port and Service, and scrapes them with an opt-in ServiceMonitor', () => {
    expect(getPath(values, 'metrics')).toMatchObject({
      enabled: true,
      port: 9091,
      path: '/apisix/prometheus/metrics',
      serviceMonitor: { enabled: false },
    });
    expect(template('_helpers.tpl')).toContain(
      '"prometheus" (dict "export_addr" (dict "ip" "0.0.0.0" "port" (int $v.metrics.port)) "export_uri" $v.metrics.path)',
    );
    expect(template('data-plane-deployment.yaml')).toMatch(
      /- name: metrics\n\s+containerPort: \{\{ \.Values\.metrics\.port \}\}\n/,
    );
    const svc = template('data-plane-metrics-service.yaml');
    expect(svc).toMatch(/^\{\{- if \.Values\.metrics\.enabled \}\}\n/);
    expect(svc).toContain('app.kubernetes.io/component: data-plane-metrics');
    expect(svc).toMatch(/- name: metrics\n\s+port: \{\{ \.Values\.metrics\.service\.port \}\}\n\s+targetPort: metrics\n/);
    const sm = template('servicemonitor.yaml');
    expect(sm).toMatch(/^\{\{- if and \.Values\.metrics\.enabled \.Values\.metrics\.serviceMonitor\.enabled \}\}\n/);
    expect(sm).toContain('include "portico.selectorLabels" (dict "root" $ "component" "data-plane-metrics")');
    expect(sm).toMatch(/- port: metrics\n\s+path: \{\{ \.Values\.metrics\.path \}\}\n/);
    // The dashboard shipped beside the chart reads the metrics this exporter serves.
    const dashboard = JSON.parse(readRepoFile('deploy/grafana/portico-llm.json')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
    for (const m of [
      'apisix_llm_prompt_tokens',
      'apisix_llm_completion_tokens',
      'apisix_llm_latency_bucket',
      'apisix_http_status',
    ])
      expect(exprs).toContain(m);
  });

  const helm = ((): string | undefined => {
    try {
      return execFileSync('sh', ['-c', 'command -v helm'], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      return undefined;
    }
  })();
  it.skipIf(helm === undefined)('lints and renders with helm into the promised objects', () => {
    const chart = join(repoRoot, chartDir);
    execFileSync(helm ?? 'helm', ['lint', chart, '--set', 'admin.adminKey=abc'], { encoding: 'utf8' });
    const out = execFileSync(helm ?? 'helm', ['template', 'gw', chart, '--set', 'admin.adminKey=abc'], { encoding: 'utf8' });
    const docs = parseYamlStream(out).filter((d): d is Tree => d !== null) as Tree[];
    expect(docs.map((d) => `${String(d.kind)}/${String(getPath(d, 'metadata.name'))}`).sort()).toEqual(
      [
        'ConfigMap/gw-portico-config',
        'Deployment/gw-portico-admin',
        'Deployment/gw-portico-data-plane',
        'HorizontalPodAutoscaler/gw-portico-data-plane',
        'PodDisruptionBudget/gw-portico-data-plane',
        'Secret/gw-portico-admin',
        'Service/gw-portico-admin',
        'Service/gw-portico-gateway',
        'Service/gw-portico-metrics',
      ].sort(),
    );
    const cm = (docs.find((d) => d.kind === 'ConfigMap')?.data ?? {}) as Record<string, string>;
    const dpConf = parseConf(cm['data-plane.yaml'] ?? '', 'data-plane.yaml', {});
    expect(dpConf.deployment.role).toBe('data_plane');
    expect(dpConf.pluginAttr.prometheus).toEqual({
      export_addr: { ip: '0.0.0.0', port: 9091 },
      export_uri: '/apisix/prometheus/metrics',
    });
    const adminConf = parseConf(cm['admin.yaml'] ?? '', 'admin.yaml', { PORTICO_ADMIN_KEY: 'abc' });
    expect(adminConf.deployment.admin.adminKey).toEqual([{ name: 'admin', key: 'abc', role: 'admin' }]);
    const dp = docs.find((d) => d.kind === 'Deployment' && getPath(d, 'metadata.name') === 'gw-portico-data-plane');
    expect(getPath(dp, 'spec.template.spec.terminationGracePeriodSeconds')).toBe(260);
  });
});
