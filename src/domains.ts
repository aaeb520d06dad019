// Several vanity domains in one process: each request goes to the registry of its Host.
import {
  Answerer,
  badTargetAnswer,
  HEALTH_PATH,
  JSON_TYPE,
  makeAnswer,
  methodNotAllowed,
  MISS_MAX_AGE,
  requestHost,
  splitTarget,
  withVary,
} from './answer.js';
import type { Answer, Answering, VanityRequest } from './answer.js';
import type { Config } from './config.js';
import type { Problem } from './problems.js';
import { Registry } from './registry.js';
import type { Renderer } from './render.js';

const UNKNOWN_HOST = Buffer.from(
  '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<title>Unknown host</title>\n</head>\n<body>\n' +
    '<p>This server has no Go modules for the host you asked.</p>\n</body>\n</html>\n',
);

/** Routes by Host (lower case, no port, no trailing dot); every answer varies on it. */
export class Domains implements Answering {
  private readonly byHost: ReadonlyMap<string, Answerer>;

  constructor(answerers: Answerer[]) {
    this.byHost = new Map(answerers.map((answerer) => [answerer.registry.host ?? '', answerer]));
  }

  get hosts(): string[] {
    return [...this.byHost.keys()];
  }

  answer(request: VanityRequest): Answer {
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed();
    const target = splitTarget(request.target);
    if (!target) return badTargetAnswer();
    if (target.path === HEALTH_PATH) return this.health();

    const host = requestHost(target.authority ?? request.host);
    const answerer = host === undefined ? undefined : this.byHost.get(host);
    const answer = answerer ? answerer.answer(request) : unknownHost();
    return withVary(answer, 'Host');
  }

  private health(): Answer {
    let modules = 0;
    for (const answerer of this.byHost.values()) modules += answerer.registry.modules.length;
    const status = { status: 'ok', modules, domains: this.byHost.size };
    return makeAnswer(200, 'health', Buffer.from(`${JSON.stringify(status)}\n`), {
      'Cache-Control': 'no-store',
      'Content-Type': JSON_TYPE,
    });
  }
}

function unknownHost(): Answer {
  return makeAnswer(404, 'miss', UNKNOWN_HOST, {
    'Cache-Control': `public, max-age=${MISS_MAX_AGE}`,
  });
}

/**
 * What answers for these configs: the one Answerer, or Domains over several.
 * Several configs must each name a distinct host; problems say which file.
 */
export function answeringFor(
  configs: Config[],
  renderer?: Renderer,
): { answering: Answering; problems: Problem[] } {
  const answerers = configs.map((config) => new Answerer(new Registry(config), renderer));
  if (configs.length === 1 && answerers[0]) return { answering: answerers[0], problems: [] };

  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const config of configs) {
    const at = { file: config.file, line: 1, column: 1, key: 'host' };
    if (!config.host) {
      problems.push({ ...at, message: 'with several configs, each must set host:' });
    } else if (seen.has(config.host)) {
      problems.push({ ...at, message: `${config.host} is served by ${seen.get(config.host)} too` });
    } else {
      seen.set(config.host, config.file);
    }
  }
  return { answering: new Domains(answerers), problems };
}
