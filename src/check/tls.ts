// The served TLS certificate: does its chain verify for the host, who issued it, when it expires.
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { finding, withFix } from './report.js';
import type { Finding } from './report.js';
import { connectProblem } from './target.js';
import type { Target } from './target.js';

export interface TlsFacts {
  /** Null when the chain verifies for the host; else what is wrong (expired, unknown CA...). */
  verifyError: string | null;
  /** Issuer organisation and common name, as "Google Trust Services (WR1)". */
  issuer: string;
  issuerOrganisation: string;
  notBefore: Date;
  notAfter: Date;
  /**
   * The wildcard name (`*.example.org`) when only it covers the host, so that
   * renewals ask for that wildcard; null when the certificate names the host.
   */
  wildcard: string | null;
}

/** Connects once (SNI = the URL's host) and reads the certificate; throws a one-line Error. */
export function inspectTls(target: Target): Promise<TlsFacts> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: target.connectHost,
      port: target.connectPort,
      servername: target.hostname,
      secureContext: target.secureContext,
      // Judged below, so that an expired certificate is described, not just refused.
      rejectUnauthorized: false,
      timeout: target.timeoutMs,
    });
    const fail = (err: unknown) => {
      socket.destroy();
      reject(new Error(connectProblem(err, target)));
    };
    socket.once('timeout', () => fail(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    socket.once('error', fail);
    socket.once('secureConnect', () => settle(socket, target.hostname, resolve, reject));
  });
}

function settle(
  socket: TLSSocket,
  hostname: string,
  resolve: (facts: TlsFacts) => void,
  reject: (err: Error) => void,
): void {
  socket.setTimeout(0);
  try {
    resolve(factsOf(socket, hostname));
  } catch (err) {
    reject(new Error(`${hostname}: cannot read the certificate: ${(err as Error).message}`));
  }
  socket.end();
}

function factsOf(socket: TLSSocket, hostname: string): TlsFacts {
  const peer: PeerCertificate = socket.getPeerCertificate();
  const cert = new X509Certificate(peer.raw);
  const organisation = first(peer.issuer?.O) ?? '';
  const common = first(peer.issuer?.CN) ?? '';
  return {
    verifyError: socket.authorized ? null : describe(socket.authorizationError),
    issuer: organisation && common ? `${organisation} (${common})` : organisation || common,
    issuerOrganisation: organisation || common,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    wildcard: coveringWildcard(cert, hostname),
  };
}

/** The wildcard name that covers `hostname`, or null when an exact name does (or none). */
function coveringWildcard(cert: X509Certificate, hostname: string): string | null {
  if (cert.checkHost(hostname, { wildcards: false }) !== undefined) return null;
  const matched = cert.checkHost(hostname);
  return matched?.startsWith('*.') ? matched.toLowerCase() : null;
}

/** Node types issuer fields as string, but repeated attributes arrive as arrays. */
function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function describe(error: Error | string | undefined): string {
  if (!error) return 'the certificate chain does not verify';
  const code = typeof error === 'string' ? error : ((error as NodeJS.ErrnoException).code ?? '');
  const text = typeof error === 'string' ? error : error.message;
  const known: Record<string, string> = {
    CERT_HAS_EXPIRED: 'the certificate has expired',
    CERT_NOT_YET_VALID: 'the certificate is not valid yet',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
    SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a root that is not trusted (--ca-file adds one)',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the chain is incomplete or from an untrusted CA',
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuer is not trusted (serve the full chain)',
    ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name this host',
  };
  return known[code] ?? text;
}

export interface ExpiryLimits {
  warnDays: number;
  failDays: number;
}

const DAY_MS = 86_400_000;

export function tlsFindings(facts: TlsFacts, host: string, now: Date, limits: ExpiryLimits) {
  const findings: Finding[] = [chainFinding(facts, host)];
  findings.push(finding('tls.issuer', 'ok', host, `issued by ${facts.issuer || 'an unnamed CA'}`));
  findings.push(expiryFinding(facts, host, now, limits));
  return findings;
}

function chainFinding(facts: TlsFacts, host: string): Finding {
  if (facts.verifyError === null) {
    return finding('tls.chain', 'ok', host, 'the chain verifies and names the host');
  }
  const message = `${facts.verifyError}: the go command refuses this server`;
  return finding('tls.chain', 'failure', host, message);
}

function expiryFinding(facts: TlsFacts, host: string, now: Date, limits: ExpiryLimits) {
  const days = Math.floor((facts.notAfter.getTime() - now.getTime()) / DAY_MS);
  const date = facts.notAfter.toISOString().slice(0, 10);
  if (facts.notAfter.getTime() <= now.getTime()) {
    const message = `expired ${-days} day${-days === 1 ? '' : 's'} ago (${date})`;
    return withFix(finding('tls.expiry', 'failure', host, message), RENEW_FIX);
  }
  const left = `expires in ${days} day${days === 1 ? '' : 's'} (${date})`;
  if (days < limits.failDays) {
    const message = `${left}, under ${limits.failDays}: renewal is failing`;
    return withFix(finding('tls.expiry', 'failure', host, message), RENEW_FIX);
  }
  if (days < limits.warnDays) {
    const message = `${left}, under ${limits.warnDays}: renewal may be failing`;
    return withFix(finding('tls.expiry', 'warning', host, message), RENEW_FIX);
  }
  return finding('tls.expiry', 'ok', host, left);
}

const RENEW_FIX = "see the platform's certificate status and the caa findings";
