// HTML pages from the handlebars templates, compiled once at start-up.
//
// The go-import and go-source tags are written by this code, first in the
// head, so a template can neither drop nor reorder them: the go command stops
// reading at the first <body>, </head>, script or style.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { Module, Registry } from './registry.js';
import { importPathOf } from './registry.js';

export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));
const TEMPLATE_NAMES = ['module', 'redirect', 'index', 'not-found'] as const;
type TemplateName = (typeof TEMPLATE_NAMES)[number];
const HEAD_TAG = /<head(?:\s[^>]*)?>/i;

export const DOCS_BASE = 'https://pkg.go.dev/';

/** The go-import tag's content: prefix, VCS, repo root and, only when set, the subdir. */
export function goImportContent(module: Module, host: string): string {
  const fields = [importPathOf(host, module.path), module.vcs, module.repo];
  if (module.subdir) fields.push(module.subdir);
  return fields.join(' ');
}

export function goSourceContent(module: Module, host: string): string {
  return `${importPathOf(host, module.path)} ${module.display}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export class Renderer {
  private readonly templates: Record<TemplateName, Handlebars.TemplateDelegate>;

  /** Compiles the templates in `dir`; throws an Error naming the file that is missing or broken. */
  constructor(dir: string = DEFAULT_TEMPLATES_DIR) {
    const compiled: Partial<Record<TemplateName, Handlebars.TemplateDelegate>> = {};
    for (const name of TEMPLATE_NAMES) compiled[name] = compileTemplate(join(dir, `${name}.hbs`));
    this.templates = compiled as Record<TemplateName, Handlebars.TemplateDelegate>;
  }

  /** The page the go command reads; it depends on the module only, never the sub-path. */
  modulePage(module: Module, host: string): string {
    const importPath = importPathOf(host, module.path);
    const html = this.templates.module({
      importPath,
      repo: module.repo,
      vcs: module.vcs,
      description: module.description,
      docsUrl: DOCS_BASE + importPath,
    });
    const tags =
      `<meta name="go-import" content="${escapeHtml(goImportContent(module, host))}">\n` +
      `<meta name="go-source" content="${escapeHtml(goSourceContent(module, host))}">`;
    return html.replace(HEAD_TAG, (head) => `${head}\n${tags}`);
  }

  redirectPage(location: string): string {
    return this.templates.redirect({ location });
  }

  indexPage(registry: Registry, host: string): string {
    const modules = registry.modules.map((module) => {
      const importPath = importPathOf(host, module.path);
      return { ...module, importPath, docsUrl: DOCS_BASE + importPath };
    });
    return this.templates.index({ host, modules });
  }

  notFoundPage(): string {
    return this.templates['not-found']({});
  }
}

function compileTemplate(file: string): Handlebars.TemplateDelegate {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`template ${file}: cannot read it (${(err as NodeJS.ErrnoException).code})`);
  }
  if (file.endsWith('module.hbs') && !HEAD_TAG.test(source)) {
    throw new Error(`template ${file}: needs a <head> tag, where the go-import tag goes`);
  }

  try {
    const template = Handlebars.compile(source, { strict: false });
    template({});
    return template;
  } catch (err) {
    throw new Error(`template ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
}
