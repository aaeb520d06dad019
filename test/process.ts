// Test helpers for child processes: their output as it arrives, bounded waits, free ports,
// and the built CLI run to its end.
import { spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

/** The built CLI; `npm run build` writes it. */
export const CLI = resolve('dist/cli.js');

export interface Output {
  text: string;
}

/** Gathers the child's stdout and stderr, interleaved, as they arrive. */
export function collect(child: ChildProcess): Output {
  const output = { text: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  return output;
}

/**
 * Waits up to 10 s for the output (from offset `from`) to match; returns the
 * first group, or the whole match. Fails with the output so far.
 */
export async function waitFor(output: Output, pattern: RegExp, from = 0): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const match = pattern.exec(output.text.slice(from));
    if (match) return match[1] ?? match[0];
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`no output matching ${pattern} within 10 s; got:\n${output.text}`);
}

/** The exit code of the child; kills it and fails after 15 s. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error('the process did not exit within 15 s'));
    }, 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done(code);
    });
  });
}

/** A loopback port that was free a moment ago: bind port 0, read it, let it go. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI in `cwd` to its end (killed after 15 s), `env` over this process's. */
export function runCli(args: string[], cwd: string, env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 15_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
