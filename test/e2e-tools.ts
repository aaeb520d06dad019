// Helpers for end-to-end tests that drive real tools (go, git) against our built CLI.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(ROOT, 'dist', 'cli.js');
const RUN_TIMEOUT_MS = 20_000;
const START_TIMEOUT_MS = 10_000;

/** The tools of `tools` that do not run here. */
function missingTools(tools: string[]): string[] {
  return tools.filter((tool) => {
    const arg = tool === 'go' ? 'version' : '--version';
    const result = spawnSync(tool, [arg], { timeout: 10_000, stdio: 'ignore' });
    return result.error !== undefined || result.status !== 0;
  });
}

export interface RequiredTools {
  /** True when a tool is missing and this is not CI: the test is skipped, with a warning. */
  skip: boolean;
  /** For beforeAll: throws when a tool (in CI) or the built CLI is missing. */
  check: () => void;
}

/** The tools a test drives: a missing one skips `test` locally and fails it in CI (CI=true). */
export function requireTools(test: string, tools: string[], install: string): RequiredTools {
  const missing = missingTools(tools);
  const skip = missing.length > 0 && process.env.CI !== 'true';
  if (skip) console.warn(`${test}: skipped, ${missing.join(' and ')} not on PATH; run: ${install}`);
  const check = () => {
    if (missing.length > 0) {
      throw new Error(`${missing.join(' and ')} not on PATH (CI=true); run: ${install}`);
    }
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing; run "npm run build" first`);
  };
  return { skip, check };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  /** stdout and stderr interleaved, for failure messages. */
  output: string;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs a command to its end or its deadline (then SIGKILL); never rejects on exit status. */
export function run(cmd: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: 'pipe' });
    child.stdin.end();
    let output = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const timeoutMs = options.timeoutMs ?? RUN_TIMEOUT_MS;
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, output });
    });
  });
}

/** Like run, but any failure throws with the command's output: for setup steps. */
export async function mustRun(cmd: string, args: string[], options: RunOptions): Promise<string> {
  const result = await run(cmd, args, options);
  if (result.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${result.code}:\n${result.output}`);
  }
  return result.output;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `ready` holds; throws `what` after `timeoutMs`. */
export async function waitUntil(what: string, timeoutMs: number, ready: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Asks a child to stop, then kills it if it has not gone within a few seconds. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export interface Server {
  child: ChildProcess;
  port: number;
  /** Everything the server has printed so far. */
  log: () => string;
}

/** Starts our CLI on an ephemeral loopback port; resolves once it prints its address. */
export async function startServer(config: string): Promise<Server> {
  const args = [CLI, 'serve', '--config', config, '--port', '0', '--listen', '127.0.0.1'];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH } });
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));

  const listening = /listening address=http:\/\/127\.0\.0\.1:([0-9]+)/;
  try {
    await waitUntil('the server to print its address', START_TIMEOUT_MS, async () => {
      if (child.exitCode !== null) throw new Error(`the server exited:\n${log}`);
      return listening.test(log);
    });
  } catch (err) {
    await stop(child);
    throw err;
  }
  return { child, port: Number(listening.exec(log)?.[1]), log: () => log };
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

/** An environment for git from nothing: no user or system config changes what it does. */
export function gitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'e2e',
    GIT_AUTHOR_EMAIL: 'e2e@vanity.test',
    GIT_COMMITTER_NAME: 'e2e',
    GIT_COMMITTER_EMAIL: 'e2e@vanity.test',
  };
}

/** Commits `files` in a fresh work tree, tags the commit, and clones it bare to `bare`. */
export async function makeBareRepo(
  work: string,
  bare: string,
  files: Record<string, string>,
  tags: string[],
): Promise<void> {
  await writeFiles(work, files);
  const env = gitEnv(dirname(work));
  const git = (args: string[], cwd = work) => mustRun('git', args, { cwd, env });
  await git(['-c', 'init.defaultBranch=main', 'init', '-q', '.']);
  await git(['add', '-A']);
  await git(['-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'e2e']);
  for (const tag of tags) await git(['tag', tag]);
  await git(['clone', '-q', '--bare', work, bare], dirname(work));
}
