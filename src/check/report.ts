// Findings of a live check, and how they are printed: a table for people, JSON for machines.
//
// The JSON schema is documented in the README ("Live check"); bump SCHEMA when a
// field changes meaning, so scheduled jobs that parse it fail loudly, not wrongly.

export type Status = 'ok' | 'warning' | 'failure';

export interface Finding {
  /** What was checked: http.go-get, tls.expiry, caa.platform, ... (stable identifiers). */
  check: string;
  status: Status;
  /** What it was checked on: a request path, a host name, a DNS name. */
  subject: string;
  message: string;
  /** What to do about it, when there is one thing to do: a DNS record to add, a flag to pass. */
  fix?: string;
}

export interface LiveReport {
  url: string;
  host: string;
  platform: string | null;
  checkedAt: string;
  findings: Finding[];
}

export const SCHEMA = 'vanity-live-check/1';

export function finding(check: string, status: Status, subject: string, message: string): Finding {
  return { check, status, subject, message };
}

export function withFix(item: Finding, fix: string): Finding {
  return { ...item, fix };
}

/** The worst status among the findings: one failure makes the whole check fail. */
export function overall(findings: readonly Finding[]): Status {
  if (findings.some((f) => f.status === 'failure')) return 'failure';
  return findings.some((f) => f.status === 'warning') ? 'warning' : 'ok';
}

/** 1 on any failure; warnings fail only under --strict, so a scheduled job can choose. */
export function exitCode(findings: readonly Finding[], strict: boolean): number {
  const status = overall(findings);
  return status === 'failure' || (strict && status === 'warning') ? 1 : 0;
}

function counts(findings: readonly Finding[]): Record<Status, number> {
  const result: Record<Status, number> = { ok: 0, warning: 0, failure: 0 };
  for (const item of findings) result[item.status] += 1;
  return result;
}

export function toJson(report: LiveReport, strict: boolean): string {
  const document = {
    schema: SCHEMA,
    url: report.url,
    host: report.host,
    platform: report.platform,
    checkedAt: report.checkedAt,
    status: overall(report.findings),
    exitCode: exitCode(report.findings, strict),
    summary: counts(report.findings),
    findings: report.findings,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

const LABELS: Record<Status, string> = { ok: 'ok', warning: 'WARN', failure: 'FAIL' };
const COLOURS: Record<Status, string> = { ok: '32', warning: '33', failure: '31' };
type Paint = (status: Status, text: string) => string;

/** A table, one finding a line, with its fix on the line below; colour only when asked. */
export function toText(report: LiveReport, colour: boolean): string {
  const paint: Paint = (status, text) =>
    colour ? `\u001b[${COLOURS[status]}m${text}\u001b[0m` : text;
  const widths = columnWidths(report.findings);
  const row = (status: string, check: string, subject: string, detail: string) =>
    `${status}  ${check.padEnd(widths.check)}  ${subject.padEnd(widths.subject)}  ${detail}`;
  const lines = [`vanity check --live ${report.url}`, row('STATUS', 'CHECK', 'SUBJECT', 'DETAIL')];
  for (const item of report.findings) {
    const label = paint(item.status, LABELS[item.status].padEnd(6));
    lines.push(row(label, item.check, item.subject, item.message));
    if (item.fix) lines.push(row(' '.repeat(6), '', '', `fix: ${item.fix}`));
  }
  lines.push(summaryLine(report.findings, paint));
  return `${lines.join('\n')}\n`;
}

/** Long subjects are not cut, but do not widen the whole table past 40 columns. */
function columnWidths(findings: readonly Finding[]) {
  const check = Math.max(5, ...findings.map((f) => f.check.length));
  const subject = Math.min(40, Math.max(7, ...findings.map((f) => f.subject.length)));
  return { check, subject };
}

/** "pass", "warning" or "failure", then the counts: the line a scheduled job's log shows last. */
function summaryLine(findings: readonly Finding[], paint: Paint): string {
  const { ok, warning, failure } = counts(findings);
  const status = overall(findings);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const text = `${ok} ok, ${plural(warning, 'warning')}, ${plural(failure, 'failure')}`;
  return `${paint(status, status === 'ok' ? 'pass' : status)}: ${text}`;
}

/** Colour on a terminal, unless NO_COLOR is set (https://no-color.org); FORCE_COLOR forces it. */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}
