// Turns the governing CAA set into findings: issuer, platform CAs, critical tags, iodef.
import type { CertificateAuthority } from './cas.js';
import { allowedDomains, criticalUnknown, decidingTag, permits, recordText } from './caa.js';
import type { CaaSet } from './caa.js';
import { finding, withFix } from './report.js';
import type { Finding } from './report.js';

export interface CaaFacts {
  /** The host the deployment answers for. */
  host: string;
  set: CaaSet | null;
  /**
   * The wildcard name (`*.example.org`) when only it covers the host: renewing
   * the certificate is then an issuance for that wildcard, judged at
   * example.org by issuewild. Null when the certificate names the host itself.
   */
  wildcard: string | null;
  /** The issuer of the served certificate, if it was seen. */
  issuer?: { label: string; ca: CertificateAuthority | undefined };
  /** The CAs the platform may renew with, and where each came from (--platform, --ca-domain). */
  required: readonly { ca: CertificateAuthority; source: string }[];
}

/** Where RFC 8659's climb starts: the host, or example.org for a wildcard *.example.org. */
export function caaStart(host: string, wildcard: string | null): string {
  return wildcard ? wildcard.slice(2) : host;
}

export function caaFindings(facts: CaaFacts): Finding[] {
  return [
    lookupFinding(facts),
    ...criticalFindings(facts.set),
    ...issuerFindings(facts),
    ...platformFindings(facts),
    iodefFinding(facts),
  ];
}

/** The DNS name each finding is about: the set's, else where the climb started. */
function subjectOf({ set, host, wildcard }: CaaFacts): string {
  return set?.name ?? caaStart(host, wildcard);
}

function lookupFinding(facts: CaaFacts): Finding {
  const { host, set, wildcard } = facts;
  if (!set) {
    const start = caaStart(host, wildcard);
    const message = `no CAA records from ${start} up to its top-level domain: any CA may issue`;
    return finding('caa.records', 'ok', start, message);
  }
  const allowed = allowedDomains(set, wildcard !== null);
  const list = allowed.length > 0 ? allowed.join(', ') : 'any CA (no issue records)';
  if (wildcard) {
    const message =
      `CAA at ${set.name} governs ${wildcard}, the certificate's only name for ${host}; ` +
      `wildcard certificates may come from: ${list}`;
    return finding('caa.records', 'ok', set.name, message);
  }
  const where = set.name === host ? 'at the host' : `inherited from ${set.name}`;
  return finding(
    'caa.records',
    'ok',
    set.name,
    `CAA ${where}; certificates may come from: ${list}`,
  );
}

function criticalFindings(set: CaaSet | null): Finding[] {
  if (!set) return [];
  return criticalUnknown(set).map((record) => {
    const text = `${set.name}. CAA 128 ${record.tag} "${record.value}"`;
    const message = `${text} is critical with a tag CAs do not know: no CA will issue at all`;
    const fix = `remove that record, or publish it with flag 0`;
    return withFix(finding('caa.critical', 'failure', set.name, message), fix);
  });
}

function issuerFindings(facts: CaaFacts): Finding[] {
  const { issuer } = facts;
  if (!issuer) return [];
  if (!issuer.ca) {
    const message = `no known CAA domain for issuer "${issuer.label}"; its renewal is not checked`;
    const item = finding('caa.issuer', 'warning', subjectOf(facts), message);
    return [withFix(item, '--ca-domain DOMAIN')];
  }
  return [permission('caa.issuer', `current issuer ${issuer.label}`, issuer.ca, facts)];
}

/**
 * A platform renews the certificate it serves: the wildcard when that is what
 * covers the host now, else the host itself. A move from one to the other
 * changes which CAA records govern; the next check then judges the new one.
 */
function platformFindings(facts: CaaFacts): Finding[] {
  if (facts.required.length === 0) {
    const message =
      'no --platform or --ca-domain: the CA your platform renews with is not checked ' +
      '(that mismatch caused the 2025 go.opentelemetry.io outage)';
    const item = finding('caa.platform', 'warning', subjectOf(facts), message);
    return [withFix(item, '--platform NAME')];
  }
  return facts.required.map(({ ca, source }) =>
    permission('caa.platform', `${ca.name} (${source})`, ca, facts),
  );
}

function permission(
  check: string,
  who: string,
  ca: CertificateAuthority,
  facts: CaaFacts,
): Finding {
  const { set, wildcard, host } = facts;
  const subject = subjectOf(facts);
  const result = permits(set, ca, wildcard !== null);
  // What the CA is asked for: "may issue *.example.org" for a wildcard, plain "may issue" else.
  const what = wildcard ? ` ${wildcard}` : '';
  if (result.allowed) {
    const why = result.via ? `by "${result.via}"` : 'since nothing restricts issuance';
    return finding(check, 'ok', subject, `${who} may issue${what}, ${why}`);
  }
  const tag = set ? decidingTag(set, wildcard !== null) : 'issue';
  const allowed = set ? allowedDomains(set, wildcard !== null).join(', ') : '';
  const rule = wildcard
    ? `, the wildcard that covers ${host}: CAA at ${subject} (${tag})`
    : `: CAA at ${subject}`;
  const message =
    `${who} may not issue${what}${rule} allows only ${allowed}, ` +
    'so renewal will fail and the certificate will expire';
  // Adding issuewild where there is none would take wildcards from every CA that
  // issue allows, so the fix uses the tag that decides today.
  const record = recordText(subject, tag, ca.caaDomains[0] ?? '');
  return withFix(finding(check, 'failure', subject, message), `add ${record}`);
}

function iodefFinding(facts: CaaFacts): Finding {
  const { set } = facts;
  if (!set) {
    return finding('caa.iodef', 'ok', subjectOf(facts), 'no CAA policy, so nothing to report');
  }
  const iodef = set.records.filter((r) => r.tag.toLowerCase() === 'iodef');
  if (iodef.length > 0) {
    const targets = iodef.map((r) => r.value).join(', ');
    return finding('caa.iodef', 'ok', set.name, `refused issuance is reported to ${targets}`);
  }
  const message = 'no iodef record: a CA that refuses to issue tells no one';
  const fix = `add ${recordText(set.name, 'iodef', `mailto:security@${set.name}`)}`;
  return withFix(finding('caa.iodef', 'warning', set.name, message), fix);
}
