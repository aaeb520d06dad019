// Test helpers for child processes: their output as it arrives, bounded waits, free ports.
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

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

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}
