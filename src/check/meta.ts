// The <meta> tags the go command would read from a page: those before the first <body> or </head>.
//
// Used on both sides of the comparison (our own answer and the deployment's),
// so a difference in markup that the go command ignores is not reported.

const META = /<meta\b([^>]*)>/gi;
const ATTRIBUTE = /([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g;

export function metaContents(html: string, name: string): string[] {
  const stop = html.search(/<body[\s>]|<\/head\s*>/i);
  const head = stop >= 0 ? html.slice(0, stop) : html;
  const found: string[] = [];
  for (const tag of head.matchAll(META)) {
    const attributes = attributesOf(tag[1] ?? '');
    if (attributes.get('name') === name) found.push(decode(attributes.get('content') ?? ''));
  }
  return found;
}

function attributesOf(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of text.matchAll(ATTRIBUTE)) {
    const value = match[2] ?? match[3] ?? match[4] ?? '';
    attributes.set((match[1] ?? '').toLowerCase(), value);
  }
  return attributes;
}

function decode(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => character(parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_, dec: string) => character(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function character(code: number): string {
  return code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
}
