// Loopback fixtures for the live check: a DNS server, a throwaway CA, HTTPS servers.
//
// Everything listens on 127.0.0.1 and is closed by the test that opened it;
// nothing here ever sends a packet off the machine.
import 'reflect-metadata';
import { createSocket } from 'node:dgram';
import { webcrypto } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import type { RequestListener, Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import * as x509 from '@peculiar/x509';
import * as dnsPacket from 'dns-packet';

x509.cryptoProvider.set(webcrypto as Crypto);

/** The vanity host of the tests; its CAA set usually lives on the parent, as opentelemetry.io's. */
export const HOST = 'go.vanity.test';
export const CONFIG = `host: ${HOST}
paths:
  /otel:
    repo: https://github.com/open-telemetry/opentelemetry-go
  /tools:
    repo: https://hg.example.org/tools
    vcs: hg
    display: 'https://hg.example.org/tools https://hg.example.org/tools/file/tip{/dir} https://hg.example.org/tools/file/tip{/dir}/{file}#{line}'
`;

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface TestCa {
  certPem: string;
  name: string;
  keys: CryptoKeyPair;
}

/** A self-signed root whose subject is the issuer the leaf certificates will show. */
export async function makeCa(organisation: string, commonName: string): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const name = `CN=${commonName}, O=${organisation}, C=US`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    notBefore: new Date(Date.now() - 30 * DAY),
    notAfter: new Date(Date.now() + 3650 * DAY),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  });
  return { certPem: cert.toString('pem'), name, keys };
}

export interface Leaf {
  cert: string;
  key: string;
}

let serial = 2;

/** A server certificate for `names`, valid from `fromDays` to `toDays` relative to now. */
export async function makeLeaf(ca: TestCa, names: string[], fromDays: number, toDays: number) {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    subject: `CN=${names[0]}`,
    issuer: ca.name,
    notBefore: new Date(Date.now() + fromDays * DAY),
    notAfter: new Date(Date.now() + toDays * DAY),
    signingKey: ca.keys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.SubjectAlternativeNameExtension(
        names.map((value) => ({ type: 'dns' as const, value })),
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: cert.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

export interface CaaSpec {
  flags?: number;
  tag: string;
  value: string;
}

export interface TestDns {
  /** "127.0.0.1:PORT", for --resolver and Resolver.setServers. */
  address: string;
  /** Every name asked for, in order. */
  queries: string[];
  close(): Promise<void>;
}

/**
 * An authoritative-looking DNS server for CAA: names in `zone` answer with
 * their records (an empty list is NODATA), other names NXDOMAIN. With
 * `silent`, it reads every query and answers none.
 */
export async function startDns(zone: Record<string, CaaSpec[]>, silent = false): Promise<TestDns> {
  const socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (message, peer) => {
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (!question) return;
    queries.push(question.name.toLowerCase());
    if (silent) return;
    socket.send(answer(query, question, zone), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  const close = () => new Promise<void>((resolve) => socket.close(() => resolve()));
  return { address: `127.0.0.1:${port}`, queries, close };
}

function answer(
  query: dnsPacket.Packet,
  question: dnsPacket.Question,
  zone: Record<string, CaaSpec[]>,
) {
  const records = zone[question.name.toLowerCase()];
  const NXDOMAIN = 3;
  const answers = (question.type === 'CAA' ? (records ?? []) : []).map((spec) => ({
    type: 'CAA' as const,
    name: question.name,
    ttl: 60,
    class: 'IN' as const,
    data: { flags: spec.flags ?? 0, tag: spec.tag as 'issue', value: spec.value },
  }));
  return dnsPacket.encode({
    id: query.id ?? 0,
    type: 'response',
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (records ? 0 : NXDOMAIN),
    questions: [question],
    answers,
  });
}

export interface TestServer {
  port: number;
  close(): Promise<void>;
}

/** An HTTPS server on 127.0.0.1 with the given certificate. */
export function startHttps(leaf: Leaf, handler: RequestListener): Promise<TestServer> {
  return listenOn(createHttpsServer({ key: leaf.key, cert: leaf.cert }, handler));
}

export async function listenOn(server: Server): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { port, close };
}

/** A TCP server on 127.0.0.1 that speaks neither TLS nor HTTP: each client gets `greeting`. */
export async function startRaw(greeting: string): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.end(greeting);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return { port, close };
}

/** A loopback port that nothing listens on: opened, read, closed. */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
