// The container image's entry command, run as the image runs it: same command, files and env.
//
// There is no Docker engine here, so the test reads the Dockerfile's last
// stage, lays out its files as the image would, and runs its ENTRYPOINT, CMD
// and HEALTHCHECK with its ENV (as an unprivileged user when we are root).
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaTags } from './helpers.js';
import { collect, exited, freePort, waitFor } from './process.js';

interface Image {
  env: Record<string, string>;
  command: string[];
  healthcheck: string[];
  user: string;
}

/** The runtime stage of the Dockerfile: ENV, USER, ENTRYPOINT + CMD and HEALTHCHECK. */
function readImage(dockerfile: string): Image {
  const text = readFileSync(dockerfile, 'utf8').replace(/\\\n\s*/g, ' ');
  const lines = text.split('\n');
  const stage = lines.slice(lines.map((l) => l.startsWith('FROM ')).lastIndexOf(true));
  const instruction = (name: string) =>
    stage.filter((l) => l.startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim());

  const env: Record<string, string> = {};
  for (const line of instruction('ENV')) {
    for (const [, key, value] of line.matchAll(/(\w+)=(\S+)/g)) {
      env[key as string] = value as string;
    }
  }
  const json = (name: string) => JSON.parse(instruction(name)[0] ?? '[]') as string[];
  const healthcheck = (instruction('HEALTHCHECK')[0] ?? '').replace(/^.*?CMD /, '');
  return {
    env,
    command: [...json('ENTRYPOINT'), ...json('CMD')],
    healthcheck: JSON.parse(healthcheck) as string[],
    user: instruction('USER')[0] ?? 'root',
  };
}

const image = readImage(resolve('Dockerfile'));
let app: string;
let configDir: string;

/** The image's /app: what the runtime stage copies, taken from this checkout. */
beforeAll(() => {
  const root = mkdtempSync(join(tmpdir(), 'vanity-image-'));
  chmodSync(root, 0o755);
  app = join(root, 'app');
  cpSync(resolve('templates'), join(app, 'templates'), { recursive: true });
  cpSync(resolve('dist'), join(app, 'dist'), { recursive: true });
  cpSync(resolve('package.json'), join(app, 'package.json'));
  symlinkSync(resolve('node_modules'), join(app, 'node_modules'));
  configDir = join(root, 'config');
  cpSync(resolve('vanity.yaml'), join(configDir, 'vanity.yaml'), { recursive: true });
  chmodSync(configDir, 0o755);
});
afterAll(() => rmSync(join(app, '..'), { recursive: true, force: true }));

/** As the image's USER when we are root and the machine has an unprivileged user. */
function asImageUser(): SpawnOptions {
  if (process.getuid?.() !== 0 || image.user === 'root') return {};
  return { uid: 65534, gid: 65534 };
}

function environment(port: number, extra: Record<string, string> = {}) {
  return { PATH: process.env.PATH ?? '', ...image.env, PORT: String(port), ...extra };
}

function start(port: number, extra: Record<string, string> = {}): ChildProcess {
  const [command, ...args] = image.command;
  return spawn(command === 'node' ? process.execPath : (command as string), args, {
    cwd: app,
    env: environment(port, extra),
    ...asImageUser(),
  });
}

function healthcheck(port: number): number | null {
  const [command, ...args] = image.healthcheck;
  const result = spawnSync(command === 'node' ? process.execPath : (command as string), args, {
    cwd: app,
    env: environment(port),
    timeout: 10_000,
    ...asImageUser(),
  });
  return result.status;
}

describe('the Dockerfile', () => {
  it('runs as a non-root user with PORT and VANITY_CONFIG set', () => {
    expect(image.user).toBe('node');
    expect(image.env['PORT']).toBe('8080');
    expect(image.env['VANITY_CONFIG']).toBe('/config/vanity.yaml');
    expect(image.command).toEqual(['node', 'dist/cli.js', 'serve']);
    expect(image.healthcheck).toEqual(['node', 'dist/cli.js', 'health']);
  });
});

describe('the entry command', () => {
  it('refuses to start when no config is mounted, naming the path', async () => {
    const child = start(await freePort(), { VANITY_CONFIG: '/nonexistent/vanity.yaml' });
    const output = collect(child);
    const code = await exited(child);
    expect(code).toBe(1);
    expect(output.text).toContain('/nonexistent/vanity.yaml:1:1: no such file');
  });

  it('serves, reports health, finishes in-flight requests on SIGTERM, then exits 0', async () => {
    const port = await freePort();
    const child = start(port, { VANITY_CONFIG: join(configDir, 'vanity.yaml') });
    const output = collect(child);
    await waitFor(output, new RegExp(`listening address=http://\\S+:${port}`));
    expect(healthcheck(port)).toBe(0);

    const res = await fetch(`http://127.0.0.1:${port}/otel/trace?go-get=1`);
    expect(metaTags(await res.text(), 'go-import')[0]).toMatch(/^go\.opentelemetry\.io\/otel git/);

    // Two requests in flight: their headers have started but not ended.
    const page = await startRequest(port, 'GET /otel/sdk?go-get=1 HTTP/1.1\r\nHost: a.b\r\n');
    const ready = await startRequest(
      port,
      'GET /.well-known/vanity/ready HTTP/1.1\r\nHost: a.b\r\n',
    );
    child.kill('SIGTERM');
    await waitFor(output, /info stopping signal=SIGTERM/);

    const [pageReply, readyReply] = await Promise.all([finish(page), finish(ready)]);
    expect(pageReply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(pageReply).toMatch(/\r\nConnection: close\r\n/i);
    expect(metaTags(pageReply, 'go-import')).toHaveLength(1);
    expect(readyReply).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(readyReply).toContain('{"status":"draining"}');

    expect(await exited(child)).toBe(0);
    expect(healthcheck(port)).toBe(1);
  });
});

interface Pending {
  socket: Socket;
  reply: Promise<string>;
}

/** Opens a connection and sends the start of a request; `finish` sends the rest. */
async function startRequest(port: number, start: string): Promise<Pending> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((done, fail) => socket.once('connect', done).once('error', fail));
  const reply = new Promise<string>((done, fail) => {
    let text = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('no reply in 10 s')));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('close', () => done(text));
    socket.on('error', fail);
  });
  socket.write(start);
  return { socket, reply };
}

async function finish(pending: Pending): Promise<string> {
  pending.socket.write('\r\n');
  return pending.reply;
}
