// What a template must let the go command find, and sample data to try each template on.
//
// The go command reads a page as loose XML up to the first <body> or </head> and takes
// the go-import tags it meets; comments hide what is in them, and two tags for one
// prefix are an error (cmd/go/internal/vcs, discovery.go). So our tags go right after
// the first <head> tag outside a comment, and a template may not write its own.

/**
 * A comment, a CDATA section, or a whole tag with its name: quoted attribute
 * values may hold ">" or "<head>", and are read past, as the go command does.
 */
const ATTRIBUTES = `(?:\\s+(?:[^>"']|"[^"]*"|'[^']*')*)?`;
const MARKUP = new RegExp(
  `<!--[\\s\\S]*?(?:-->|$)|<!\\[CDATA\\[[\\s\\S]*?(?:\\]\\]>|$)` +
    `|<\\/?([A-Za-z][^\\s/>]*)${ATTRIBUTES}(\\/?)>`,
  'g',
);
const OWN_TAG = /name\s*=\s*["']?go-(import|source)\b/i;

/** Where our tags go: just after the first <head> tag outside a comment; -1 if none. */
export function headEnd(html: string): number {
  MARKUP.lastIndex = 0;
  for (let match = MARKUP.exec(html); match; match = MARKUP.exec(html)) {
    const element = match[1]?.toLowerCase();
    const closing = match[0].startsWith('</');
    // <head/> opens and ends the head at once: the go command reads nothing after it.
    if (element === 'head' && !closing) return match[2] ? -1 : match.index + match[0].length;
    if (element === 'body' || (element === 'head' && closing)) return -1;
  }
  return -1;
}

/** Why a module template's source cannot carry our tags, or null when it can. */
export function moduleSourceProblem(source: string): string | null {
  // The go command decodes character references in attributes: "go&#45;import" is one.
  const own = OWN_TAG.exec(decodeReferences(source));
  if (own) {
    return (
      `remove its own go-${own[1]} tag: ours comes first in the head, ` +
      'and the go command refuses a page with two'
    );
  }
  return null;
}

const MODULE = {
  path: '/x',
  importPath: 'go.example.org/x',
  vcs: 'git',
  repo: 'https://github.com/example/x',
  subdir: 'go',
  description: 'A module',
  docsUrl: 'https://pkg.go.dev/go.example.org/x',
  goGet: 'go get go.example.org/x',
};
const WILDCARD = {
  pattern: '/*',
  importPath: 'go.example.org/*',
  vcs: 'git',
  repo: 'https://github.com/example/*',
  description: 'Every repository',
};
const HOST = 'go.example.org';

/**
 * Data each template is tried with before it serves: every field set, then
 * none, so that a block that fails for some module fails at start instead.
 */
export const SAMPLES: Record<string, object[]> = {
  module: [MODULE, { importPath: HOST, vcs: 'git', repo: MODULE.repo, goGet: 'go get x' }],
  redirect: [{ location: 'https://pkg.go.dev/go.example.org/x' }],
  index: [
    { host: HOST, modules: [MODULE, MODULE, MODULE], wildcards: [WILDCARD, WILDCARD] },
    { host: HOST, modules: [MODULE], wildcards: [WILDCARD] },
    { host: HOST, modules: [], wildcards: [] },
  ],
  directory: [
    { host: HOST, path: '/tools', importPath: `${HOST}/tools`, modules: [MODULE, MODULE, MODULE] },
    { host: HOST, path: '/tools', importPath: `${HOST}/tools`, modules: [MODULE] },
  ],
  'not-found': [{}],
};

function decodeReferences(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) =>
      String.fromCodePoint(parseInt(hex, 16) % 0x110000),
    )
    .replace(/&#([0-9]+);?/g, (_, dec: string) => String.fromCodePoint(Number(dec) % 0x110000))
    .replace(/&hyphen;|&dash;/gi, '-');
}
