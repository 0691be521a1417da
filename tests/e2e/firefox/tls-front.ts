// A TLS front for the relay, as in production (the relay itself speaks plain HTTP behind a TLS
// proxy). Firefox needs one even on loopback: its MV3 extension pages upgrade ws:// to wss://
// (the default CSP has upgrade-insecure-requests; plain http:// to loopback is left alone). The
// certificate is self-signed for 127.0.0.1 and made per run; Firefox is launched accepting it.
import { generateKeyPairSync } from 'node:crypto';
import { connect, type AddressInfo } from 'node:net';
import { createServer } from 'node:tls';
import forge from 'node-forge';

function selfSigned(): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const name = [{ name: 'commonName', value: '127.0.0.1' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }]);
  cert.sign(forge.pki.privateKeyFromPem(key), forge.md.sha256.create());
  return { key, cert: forge.pki.certificateToPem(cert) };
}

export interface TlsFront {
  port: number;
  /** Connections accepted so far (each websocket the extension opens is one). */
  readonly accepted: number;
  close(): Promise<void>;
}

/** Terminates TLS on a free loopback port and pipes each connection to 127.0.0.1:`upstream`. */
export async function startTlsFront(upstream: number): Promise<TlsFront> {
  const open = new Set<() => void>();
  let accepted = 0;
  const server = createServer(selfSigned(), (client) => {
    accepted++;
    const relay = connect(upstream, '127.0.0.1');
    const drop = () => {
      client.destroy();
      relay.destroy();
      open.delete(drop);
    };
    open.add(drop);
    client.on('error', drop).on('close', drop);
    relay.on('error', drop).on('close', drop);
    client.pipe(relay).pipe(client);
  });
  // A handshake the client gave up on is not the test's business.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const drop of open) drop();
      }),
  };
}
