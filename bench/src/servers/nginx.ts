import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Procs } from '../lib/procs.js';

/** Path of Debian's nginx when installed, else null. */
export function findNginx(): string | null {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) {
    try {
      execFileSync(p, ['-v'], { stdio: 'ignore' });
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * nginx.conf for one worker proxying everything to `upstreamPort` with keep-alive upstream
 * connections and no response buffering (so SSE chunks pass at once). All paths live in `dir`.
 */
export function nginxConf(dir: string, port: number, upstreamPort: number): string {
  const runAsRoot = process.getuid?.() === 0;
  return `${runAsRoot ? 'user root;\n' : ''}worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  keepalive_requests 1000000;
  upstream mock { server 127.0.0.1:${upstreamPort}; keepalive 1024; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`;
}

/** Start nginx (master in the foreground, so its PID is ours to stop) on `port`. */
export async function startNginx(procs: Procs, bin: string, dir: string, port: number, upstreamPort: number): Promise<void> {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConf(dir, port, upstreamPort));
  await procs.start('nginx', bin, ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf], port);
}
