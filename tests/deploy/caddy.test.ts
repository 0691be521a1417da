// deploy/caddy/Caddyfile as it ships, in front of a real relay: Debian's caddy started by the test. Caddy
// would get its certificate from Let's Encrypt, which cannot be reached from here: the rendering gives
// it the test's certificate instead (`tls <cert> <key>`), loopback ports, no admin endpoint, its data in
// the test's folder. The site's routes and headers are the shipped lines.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Relay } from 'switchboard-relay/relay';
import { afterEach, describe } from 'vitest';
import { type Certificate, https, type ProxyUnderTest, proxyScenarios } from './tls-proxy';
import { cleanup, findTool, freePort, ROOT, startChild, tempDir, waitUntilReady } from './tools';

const SHIPPED = join(ROOT, 'deploy/caddy/Caddyfile');
const caddy = findTool('caddy', 'caddy');

function render(text: string, replacements: [from: string, to: string][]): string {
  let out = text;
  for (const [from, to] of replacements) {
    const found = out.split(from).length - 1;
    if (found !== 1) throw new Error(`${SHIPPED}: expected "${from}" once, found ${found}: update the test's rendering`);
    out = out.replace(from, to);
  }
  return out;
}

async function startCaddy(relay: Relay, cert: Certificate): Promise<ProxyUnderTest> {
  const dir = tempDir('caddy');
  const [port, httpPort] = [await freePort(), await freePort()];
  const config = render(readFileSync(SHIPPED, 'utf8'), [
    [
      '\temail it@example.com\n',
      `\temail it@example.com\n\tadmin off\n\thttp_port ${httpPort}\n\tauto_https disable_redirects\n\tstorage file_system ${dir}/data\n`,
    ],
    ['relay.example.com {\n', `https://127.0.0.1:${port} {\n\tbind 127.0.0.1\n\ttls ${cert.certPath} ${cert.keyPath}\n`],
    ['reverse_proxy 127.0.0.1:8787', `reverse_proxy 127.0.0.1:${relay.port}`],
  ]);
  writeFileSync(join(dir, 'Caddyfile'), config);
  const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data') };
  const child = startChild(caddy.path!, ['run', '--adapter', 'caddyfile', '--config', join(dir, 'Caddyfile')], { env });
  const url = `https://127.0.0.1:${port}`;
  await waitUntilReady(child, 'caddy', async () => (await https(`${url}/healthz`, { ca: cert.pem })).status === 200);
  return { url };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await cleanup();
});

describe.skipIf(!caddy.path)(`Caddy TLS proxy (deploy/caddy/Caddyfile)${caddy.missing ? ` — skipped: ${caddy.missing}` : ''}`, () => {
  proxyScenarios('Caddy', startCaddy, cleanups, { refusesOversizeBodies: false });
});
