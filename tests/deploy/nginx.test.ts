// deploy/nginx/switchboard-relay.conf as it ships, in front of a real relay: Debian's nginx started by the
// test (its own prefix, loopback ports), TLS with a certificate made by openssl. Only the listen ports,
// the certificate's paths and the relay's address are rendered; every other line is the shipped one.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Relay } from 'switchboard-relay/relay';
import { afterEach, describe, expect } from 'vitest';
import { type Certificate, https, type ProxyUnderTest, proxyScenarios } from './tls-proxy';
import { cleanup, findTool, freePort, ROOT, startChild, tempDir, waitUntilReady } from './tools';

const SHIPPED = join(ROOT, 'deploy/nginx/switchboard-relay.conf');
const nginx = findTool('nginx', 'nginx-light');

/** Replaces each `from` (which must occur exactly `times` times) in the shipped text. */
function render(text: string, replacements: [from: string, to: string, times: number][]): string {
  let out = text;
  for (const [from, to, times] of replacements) {
    const found = out.split(from).length - 1;
    if (found !== times) throw new Error(`${SHIPPED}: expected "${from}" ${times} time(s), found ${found}: update the test's rendering`);
    out = out.replaceAll(from, to);
  }
  return out;
}

async function startNginx(relay: Relay, cert: Certificate): Promise<ProxyUnderTest> {
  const dir = tempDir('nginx');
  // Run as root, nginx's workers are `nobody`: they must reach the temp folders nginx makes (and chowns) here.
  chmodSync(dir, 0o755);
  const [port, port6] = [await freePort(), await freePort('::1')];
  const site = render(readFileSync(SHIPPED, 'utf8'), [
    ['listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`, 1],
    ['listen [::]:443 ssl;', `listen [::1]:${port6} ssl;`, 1],
    ['server 127.0.0.1:8787;', `server 127.0.0.1:${relay.port};`, 1],
    ['/etc/letsencrypt/live/relay.example.com/fullchain.pem', cert.certPath, 1],
    ['/etc/letsencrypt/live/relay.example.com/privkey.pem', cert.keyPath, 1],
  ]);
  writeFileSync(join(dir, 'site.conf'), site);
  // What Debian's /etc/nginx/nginx.conf provides around a site, with every path in this test's folder.
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`,
  );
  const check = startChild(nginx.path!, ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr']);
  expect({ nginxTest: await check.exited, output: check.output() }).toEqual({ nginxTest: 0, output: '' });
  const child = startChild(nginx.path!, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr']);
  const url = `https://127.0.0.1:${port}`;
  await waitUntilReady(child, 'nginx', async () => (await https(`${url}/healthz`, { ca: cert.pem })).status === 200);
  return { url, url6: `https://[::1]:${port6}` };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await cleanup();
});

describe.skipIf(!nginx.path)(
  `nginx TLS proxy (deploy/nginx/switchboard-relay.conf)${nginx.missing ? ` — skipped: ${nginx.missing}` : ''}`,
  () => {
    proxyScenarios('nginx', startNginx, cleanups, { refusesOversizeBodies: true });
  },
);
