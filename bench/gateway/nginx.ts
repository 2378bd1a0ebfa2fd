/**
 * nginx as the benchmark's reference proxy: found on PATH or installed from Debian's packages,
 * started on loopback from a generated configuration in a temporary directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const INSTALL_TIMEOUT_MS = 180_000;

export type NginxBinary = { ok: true; path: string } | { ok: false; reason: string };

/** The nginx binary, installing the Debian package when it is absent (the bench may run as root). */
export function findOrInstallNginx(): NginxBinary {
  const found = which('nginx');
  if (found !== null) return { ok: true, path: found };
  const install = spawnSync('apt-get', ['install', '-y', 'nginx'], { encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (install.error !== undefined || install.status !== 0) {
    const why = install.error?.message ?? install.stderr.trim().split('\n').slice(-1)[0] ?? `exit ${install.status}`;
    return { ok: false, reason: `nginx is not installed and apt-get install -y nginx failed: ${why}` };
  }
  const installed = which('nginx');
  return installed === null ? { ok: false, reason: 'apt-get installed nginx but it is not on PATH' } : { ok: true, path: installed };
}

function which(name: string): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']) {
    if (dir === '') continue;
    const probe = spawnSync('test', ['-x', join(dir, name)]);
    if (probe.status === 0) return join(dir, name);
  }
  return null;
}

export interface NginxSettings {
  dir: string;
  port: number;
  upstreamPort: number;
  /** Requests per second per client address: far above what the bench sends, so the limit is on but never refuses. */
  rateLimitPerS: number;
  /** Idle connections kept open to the upstream, per worker. */
  upstreamKeepaliveConnections: number;
  /** Worker processes (as many as the gateway runs). */
  workers: number;
}

/**
 * As many worker processes as the gateway runs (one runs without a master); limit_req on; HTTP/1.1
 * keep-alive to the upstream; no access log (the gateway in the bench logs below info too, so
 * neither writes a line per request).
 */
export function nginxConfig(s: NginxSettings): string {
  const temp = (name: string) => join(s.dir, name);
  return `worker_processes ${s.workers};
daemon off;
master_process ${s.workers === 1 ? 'off' : 'on'};
pid ${temp('nginx.pid')};
error_log ${temp('error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${temp('client_body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  keepalive_requests 1000000;
  limit_req_zone $binary_remote_addr zone=bench:1m rate=${s.rateLimitPerS}r/s;
  upstream origin {
    server 127.0.0.1:${s.upstreamPort};
    keepalive ${s.upstreamKeepaliveConnections};
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${s.port};
    location / {
      limit_req zone=bench burst=${s.rateLimitPerS} nodelay;
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`;
}

/** Writes the configuration and starts nginx in the foreground (one process: master_process off). */
export function startNginx(binary: string, settings: NginxSettings): ChildProcess {
  mkdirSync(settings.dir, { recursive: true });
  const file = join(settings.dir, 'nginx.conf');
  writeFileSync(file, nginxConfig(settings));
  return spawn(binary, ['-p', settings.dir, '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
}
