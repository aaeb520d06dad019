// Turns the governing CAA set into findings: issuer, platform CAs, critical tags, iodef.
import type { CertificateAuthority } from './cas.js';
import { allowedDomains, criticalUnknown, permits, recordText } from './caa.js';
import type { CaaSet } from './caa.js';
import { finding, withFix } from './report.js';
import type { Finding } from './report.js';

export interface CaaFacts {
  host: string;
  set: CaaSet | null;
  /** Whether the served certificate covers the host by a wildcard name. */
  wildcard: boolean;
  /** The issuer of the served certificate, if it was seen. */
  issuer?: { label: string; ca: CertificateAuthority | undefined };
  /** The CAs the platform may renew with, and where each came from (--platform, --ca-domain). */
  required: readonly { ca: CertificateAuthority; source: string }[];
}

export function caaFindings(facts: CaaFacts): Finding[] {
  return [
    lookupFinding(facts),
    ...criticalFindings(facts.set),
    ...issuerFindings(facts),
    ...platformFindings(facts),
    iodefFinding(facts.set),
  ];
}

function lookupFinding({ host, set, wildcard }: CaaFacts): Finding {
  if (!set) {
    const message = `no CAA records from ${host} up to its top-level domain: any CA may issue`;
    return finding('caa.records', 'ok', host, message);
  }
  const where = set.name === host ? 'at the host' : `inherited from ${set.name}`;
  const allowed = allowedDomains(set, wildcard);
  const list = allowed.length > 0 ? allowed.join(', ') : 'any CA (no issue records)';
  const kind = wildcard ? 'wildcard certificates' : 'certificates';
  return finding('caa.records', 'ok', set.name, `CAA ${where}; ${kind} may come from: ${list}`);
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

function issuerFindings({ set, wildcard, issuer }: CaaFacts): Finding[] {
  if (!issuer) return [];
  const subject = set?.name ?? 'CAA';
  if (!issuer.ca) {
    const message = `no known CAA domain for issuer "${issuer.label}"; its renewal is not checked`;
    return [withFix(finding('caa.issuer', 'warning', subject, message), '--ca-domain DOMAIN')];
  }
  return [permission('caa.issuer', `current issuer ${issuer.label}`, issuer.ca, set, wildcard)];
}

function platformFindings({ set, wildcard, required }: CaaFacts): Finding[] {
  if (required.length === 0) {
    const message =
      'no --platform or --ca-domain: the CA your platform renews with is not checked ' +
      '(that mismatch caused the 2025 go.opentelemetry.io outage)';
    return [
      withFix(finding('caa.platform', 'warning', set?.name ?? 'CAA', message), '--platform NAME'),
    ];
  }
  return required.map(({ ca, source }) =>
    permission('caa.platform', `${ca.name} (${source})`, ca, set, wildcard),
  );
}

function permission(
  check: string,
  who: string,
  ca: CertificateAuthority,
  set: CaaSet | null,
  wildcard: boolean,
): Finding {
  const subject = set?.name ?? 'CAA';
  const result = permits(set, ca, wildcard);
  if (result.allowed) {
    const why = result.via ? `by "${result.via}"` : 'since nothing restricts issuance';
    return finding(check, 'ok', subject, `${who} may issue, ${why}`);
  }
  const tag = wildcard ? 'issuewild' : 'issue';
  const allowed = set ? allowedDomains(set, wildcard).join(', ') : '';
  const message =
    `${who} may not issue: CAA at ${subject} allows only ${allowed}, ` +
    'so renewal will fail and the certificate will expire';
  const record = recordText(subject, tag, ca.caaDomains[0] ?? '');
  return withFix(finding(check, 'failure', subject, message), `add ${record}`);
}

function iodefFinding(set: CaaSet | null): Finding {
  if (!set) return finding('caa.iodef', 'ok', 'CAA', 'no CAA policy, so nothing to report');
  const iodef = set.records.filter((r) => r.tag.toLowerCase() === 'iodef');
  if (iodef.length > 0) {
    const targets = iodef.map((r) => r.value).join(', ');
    return finding('caa.iodef', 'ok', set.name, `refused issuance is reported to ${targets}`);
  }
  const message = 'no iodef record: a CA that refuses to issue tells no one';
  const fix = `add ${recordText(set.name, 'iodef', `mailto:security@${set.name}`)}`;
  return withFix(finding('caa.iodef', 'warning', set.name, message), fix);
}
