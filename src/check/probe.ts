// Asks the deployment what the go command and browsers ask, and compares with our own answer().
//
// The expected answer is never rebuilt here: the Answerer built from the same
// config answers the same request, and both pages go through the same meta
// tag reader, so the check cannot drift from what the server would say.
import type { Answer, Answerer } from '../answer.js';
import { metaContents } from './meta.js';
import { finding } from './report.js';
import type { Finding } from './report.js';
import { get, makeAgent } from './request.js';
import type { Reply } from './request.js';
import { connectProblem } from './target.js';
import type { Target } from './target.js';

interface Probe {
  check: string;
  path: string;
}

/** A path no config declares; if the registry has a root module, answer() expects a hit there. */
const UNKNOWN_PATH = '/vanity-check-unknown/x?go-get=1';
const CONCURRENCY = 4;

/** For each module: itself and a sub-package with ?go-get=1, a browser visit; one unknown path. */
export function probesFor(answerer: Answerer): Probe[] {
  const probes: Probe[] = [];
  for (const module of answerer.registry.modules) {
    const base = module.path === '/' ? '' : module.path;
    probes.push({ check: 'http.go-get', path: `${base || '/'}?go-get=1` });
    probes.push({ check: 'http.go-get', path: `${base}/sub/pkg?go-get=1` });
    probes.push({ check: 'http.browser', path: `${base}/x` });
  }
  probes.push({ check: 'http.unknown', path: UNKNOWN_PATH });
  return probes;
}

export async function probeDeployment(target: Target, answerer: Answerer): Promise<Finding[]> {
  const agent = makeAgent(target);
  try {
    const [first, ...rest] = probesFor(answerer);
    if (!first) return [];
    const head = await runProbe(target, answerer, first, agent);
    // One refused connection says it all; thirty more lines would hide it.
    if (head.check === 'http.connect') return [head];
    return [head, ...(await pool(rest, (probe) => runProbe(target, answerer, probe, agent)))];
  } finally {
    agent.destroy();
  }
}

async function runProbe(
  target: Target,
  answerer: Answerer,
  probe: Probe,
  agent: ReturnType<typeof makeAgent>,
): Promise<Finding> {
  const expected = answerer.answer({ method: 'GET', target: probe.path, host: target.hostname });
  let reply: Reply;
  try {
    reply = await get(target, probe.path, agent);
  } catch (err) {
    return finding('http.connect', 'failure', probe.path, connectProblem(err, target));
  }
  return withCut(compare(probe, expected, reply, target.hostname), reply.cut);
}

/** A body read only in part: a right answer becomes a warning, a wrong one says so too. */
function withCut(item: Finding, cut: string | undefined): Finding {
  if (cut === undefined) return item;
  if (item.status === 'ok')
    return { ...item, status: 'warning', message: `${item.message}, but ${cut}` };
  return { ...item, message: `${item.message} (${cut})` };
}

/** Runs `work` on every item, at most CONCURRENCY at a time, keeping the items' order. */
async function pool<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return results;
}

function compare(probe: Probe, expected: Answer, reply: Reply, host: string): Finding {
  if (expected.kind === 'browser') return compareRedirect(probe, expected, reply);
  if (expected.kind === 'go-get') return compareGoGet(probe, expected, reply, host);
  return compareMiss(probe, reply);
}

function compareGoGet(probe: Probe, expected: Answer, reply: Reply, host: string): Finding {
  const want = metaContents(expected.body.toString('utf8'), 'go-import');
  const got = metaContents(reply.body, 'go-import');
  const same = got.length === want.length && got.every((tag, i) => tag === want[i]);
  if (!same) return wrongTags(probe, quoted(want), got, reply.status, host);
  if (reply.status === expected.status) {
    return finding(probe.check, 'ok', probe.path, `go-import ${quoted(got)}`);
  }
  const message = `right go-import tag, but HTTP ${reply.status}, not ${expected.status}`;
  return finding(probe.check, 'warning', probe.path, message);
}

function wrongTags(probe: Probe, wanted: string, got: string[], status: number, host: string) {
  if (got.length > 0) {
    const message = `go-import ${quoted(got)}, expected ${wanted}: deploy the current config`;
    return finding(probe.check, 'failure', probe.path, message);
  }
  const importPath = host + probe.path.replace(/\?.*$/, '');
  const message =
    `no go-import tag (HTTP ${status}), expected ${wanted}: ` +
    `"go get ${importPath}" fails; deploy the current config`;
  return finding(probe.check, 'failure', probe.path, message);
}

function quoted(tags: string[]): string {
  return tags.map((tag) => `"${tag}"`).join(', ');
}

function compareRedirect(probe: Probe, expected: Answer, reply: Reply): Finding {
  const want = expected.headers.Location ?? '';
  if (reply.location === want) {
    if (reply.status === expected.status) {
      return finding(probe.check, 'ok', probe.path, `${reply.status} to ${want}`);
    }
    const message = `redirects to ${want}, but with HTTP ${reply.status}, not ${expected.status}`;
    return finding(probe.check, 'warning', probe.path, message);
  }
  const got = reply.location
    ? `${reply.status} to ${reply.location}`
    : `HTTP ${reply.status}, no redirect`;
  const message = `${got}; browsers should get ${expected.status} to ${want}`;
  return finding(probe.check, 'failure', probe.path, message);
}

function compareMiss(probe: Probe, reply: Reply): Finding {
  const got = metaContents(reply.body, 'go-import');
  if (got.length === 0) {
    const message = `not claimed (HTTP ${reply.status}, no go-import tag)`;
    return finding(probe.check, 'ok', probe.path, message);
  }
  const message = `a path no module declares is claimed: go-import ${quoted(got)}`;
  return finding(probe.check, 'failure', probe.path, message);
}
