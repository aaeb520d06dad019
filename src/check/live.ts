// vanity check --live: probes a running deployment (HTTP, TLS, DNS CAA) and reports findings.
import { isIP } from 'node:net';
import type { Answerer } from '../answer.js';
import { caaFindings, caaStart } from './caa-findings.js';
import { CaaLookupError, createResolver, findCaaSet } from './caa.js';
import type { CaaResolver, CaaSet } from './caa.js';
import { caForDomain, caForIssuer, PLATFORMS } from './cas.js';
import type { CertificateAuthority } from './cas.js';
import { probeDeployment } from './probe.js';
import { finding } from './report.js';
import type { Finding, LiveReport } from './report.js';
import { makeTarget } from './target.js';
import type { Target } from './target.js';
import { inspectTls, tlsFindings } from './tls.js';
import type { TlsFacts } from './tls.js';

export interface LiveOptions {
  /** The deployment, https:// or http://, with no path. */
  url: string;
  warnDays: number;
  failDays: number;
  /** A key of PLATFORMS, such as "appengine". */
  platform?: string | undefined;
  /** Extra CA domains the platform may renew with (--ca-domain). */
  caDomains?: readonly string[];
  /** PEM text of extra trusted roots (--ca-file). */
  extraCa?: string | undefined;
  /** DNS server for CAA lookups, "IP:PORT"; the system's when absent. */
  resolver?: string | undefined;
  /** Dial this HOST:PORT instead of the URL's host. */
  connect?: string | undefined;
  timeoutMs: number;
  /** The clock, for tests; the real one by default. */
  now?: Date;
  /** A resolver to use instead of one built from `resolver`. */
  caaResolver?: CaaResolver;
}

/** The URL of a deployment; throws a one-line Error when it cannot be one. */
export function parseLiveUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${text}" is not a URL; write one such as https://go.example.org`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`"${text}": use an https:// (or, for a local server, http://) URL`);
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new Error(`"${text}": give the deployment's root, such as ${url.origin}`);
  }
  return url;
}

export async function runLiveCheck(answerer: Answerer, options: LiveOptions): Promise<LiveReport> {
  const url = parseLiveUrl(options.url);
  const target = makeTarget(url, options);
  // CAA waits for the certificate: a wildcard one moves where the climb starts.
  const certificateSide = tlsPart(target, options).then(async (tls) => {
    return { tls, caa: await caaLookup(target, tls.facts?.wildcard ?? null, options) };
  });
  const [{ tls, caa }, http] = await Promise.all([
    certificateSide,
    probeDeployment(target, answerer),
  ]);
  const findings = [
    ...configFindings(answerer, target),
    ...tls.findings,
    ...caaPart(target, tls.facts, caa, options),
    ...http,
  ];
  const now = options.now ?? new Date();
  const platform = options.platform ?? null;
  return {
    url: url.origin,
    host: target.hostname,
    platform,
    checkedAt: now.toISOString(),
    findings,
  };
}

function configFindings(answerer: Answerer, target: Target): Finding[] {
  const host = answerer.registry.host;
  if (!host || host === target.hostname) return [];
  const message = `the config's host is ${host}: answers are compared as if for ${host}`;
  return [finding('config.host', 'warning', target.hostname, message)];
}

interface TlsPart {
  facts: TlsFacts | null;
  findings: Finding[];
}

async function tlsPart(target: Target, options: LiveOptions): Promise<TlsPart> {
  if (!target.https) {
    const message = 'http:// URL: TLS and CAA not checked; the go command needs https';
    return { facts: null, findings: [finding('tls', 'warning', target.hostname, message)] };
  }
  try {
    const facts = await inspectTls(target);
    const limits = { warnDays: options.warnDays, failDays: options.failDays };
    return {
      facts,
      findings: tlsFindings(facts, target.hostname, options.now ?? new Date(), limits),
    };
  } catch (err) {
    return {
      facts: null,
      findings: [finding('tls.connect', 'failure', target.hostname, (err as Error).message)],
    };
  }
}

/** The governing set, or the one finding that stands for the whole CAA part. */
type CaaLookup = { set: CaaSet | null } | { instead: Finding } | null;

/**
 * The governing set, looked up while HTTP runs; null when CAA does not apply.
 * The climb starts at the host, or at example.org when the certificate covers
 * the host only as *.example.org: renewing it is an issuance for that wildcard.
 */
async function caaLookup(
  target: Target,
  wildcard: string | null,
  options: LiveOptions,
): Promise<CaaLookup> {
  if (!target.https) return null;
  if (isIP(target.hostname)) {
    const message = 'an IP address has no CAA records: check the name clients use instead';
    return { instead: finding('caa.records', 'warning', target.hostname, message) };
  }
  const resolver = options.caaResolver ?? createResolver(options.resolver, options.timeoutMs);
  try {
    const start = caaStart(target.hostname, wildcard);
    return { set: await findCaaSet(start, resolver, options.timeoutMs) };
  } catch (err) {
    if (!(err instanceof CaaLookupError)) throw err;
    return { instead: finding('caa.lookup', 'failure', err.domain, err.message) };
  }
}

function caaPart(target: Target, tls: TlsFacts | null, caa: CaaLookup, options: LiveOptions) {
  if (caa === null) return [];
  if ('instead' in caa) return [caa.instead];
  const issuer = tls ? { label: tls.issuer, ca: caForIssuer(tls.issuerOrganisation) } : undefined;
  const wildcard = tls?.wildcard ?? null;
  const required = requiredCas(options);
  return caaFindings({ host: target.hostname, set: caa.set, wildcard, issuer, required });
}

/** The platform's CAs, then each --ca-domain not already among them. */
export function requiredCas(options: Pick<LiveOptions, 'platform' | 'caDomains'>) {
  const required: { ca: CertificateAuthority; source: string }[] = [];
  const platform = options.platform ? PLATFORMS[options.platform] : undefined;
  for (const ca of platform?.cas ?? []) required.push({ ca, source: `used by ${platform?.name}` });
  for (const domain of options.caDomains ?? []) {
    const ca = caForDomain(domain);
    const name = ca.caaDomains[0];
    if (!required.some((r) => r.ca.caaDomains[0] === name))
      required.push({ ca, source: 'from --ca-domain' });
  }
  return required;
}
