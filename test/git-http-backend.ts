// A repository host for end-to-end tests: git http-backend run as CGI by a tiny node:http server.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { mustRun } from './e2e-tools.js';

const CGI_TIMEOUT_MS = 10_000;

/** What one request to the repository host was, for proving where git went. */
export interface Hit {
  method: string;
  path: string;
  status: number;
}

export interface GitHttpBackend {
  port: number;
  /** Every request answered so far, in order. */
  hits: Hit[];
  /** Kills any CGI still running, by its process, and closes the server. */
  close: () => Promise<void>;
}

/** Serves the bare repositories under `root` over smart HTTP on an ephemeral loopback port. */
export async function startGitHttpBackend(
  root: string,
  env: NodeJS.ProcessEnv,
): Promise<GitHttpBackend> {
  const execPath = (await mustRun('git', ['--exec-path'], { cwd: root, env })).trim();
  const cgi = { program: join(execPath, 'git-http-backend'), root, env };
  const hits: Hit[] = [];
  const running = new Set<ChildProcess>();
  const server = createServer(serveCgi(cgi, hits, running));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));

  const close = async () => {
    for (const child of running) child.kill('SIGKILL');
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  };
  return { port: (server.address() as AddressInfo).port, hits, close };
}

interface Cgi {
  program: string;
  root: string;
  env: NodeJS.ProcessEnv;
}

/** Runs the CGI for one request, its body piped in, its output sent back once it exits. */
function serveCgi(cgi: Cgi, hits: Hit[], running: Set<ChildProcess>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const child = spawn(cgi.program, [], { env: cgiEnv(req, cgi) });
    running.add(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), CGI_TIMEOUT_MS);
    child.stdin.on('error', () => undefined);
    req.pipe(child.stdin);

    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('close', () => {
      clearTimeout(timer);
      running.delete(child);
      const { status, headers, body } = parseCgi(Buffer.concat(chunks));
      hits.push({ method: req.method ?? '', path: req.url ?? '', status });
      res.writeHead(status, headers.flat()).end(body);
    });
  };
}

/** The CGI variables for one request: the request line, body type and every header. */
function cgiEnv(req: IncomingMessage, cgi: Cgi): NodeJS.ProcessEnv {
  const url = new URL(req.url ?? '/', 'http://backend');
  const env: NodeJS.ProcessEnv = {
    ...cgi.env,
    GIT_PROJECT_ROOT: cgi.root,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
  };
  // Without a length (a chunked body), git http-backend reads the body to its end.
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  // Git-Protocol selects protocol v2; Content-Encoding says the body is gzipped.
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = value;
  }
  return env;
}

interface CgiResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

/** Splits CGI output into status, headers and body; a missing Status means 200. */
function parseCgi(output: Buffer): CgiResponse {
  let end = output.indexOf('\r\n\r\n');
  let gap = 4;
  if (end < 0) [end, gap] = [output.indexOf('\n\n'), 2];
  if (end < 0) return { status: 502, headers: [], body: output };

  let status = 200;
  const headers: [string, string][] = [];
  for (const line of output.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
    else headers.push([name, value]);
  }
  return { status, headers, body: output.subarray(end + gap) };
}
