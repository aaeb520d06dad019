// HTML pages from the handlebars templates, compiled once at start-up.
//
// The go-import and go-source tags are written by this code, first in the
// head, so a template can neither drop nor reorder them: the go command stops
// reading at the first <body>, </head>, script or style.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { DEFAULT_DOCS } from './docs.js';
import { fillIn } from './fill-in.js';
import type { ListedModule, Listing } from './listing.js';
import { nearest } from './problems.js';
import type { Module } from './registry.js';
import { importPathOf } from './registry.js';
import { headEnd, moduleSourceProblem, SAMPLES } from './template-check.js';

export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));
export const TEMPLATE_NAMES = ['module', 'redirect', 'index', 'directory', 'not-found'] as const;
type TemplateName = (typeof TEMPLATE_NAMES)[number];

export const DOCS_BASE = DEFAULT_DOCS;

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
  /** The redirect page, filled in without rendering when the template allows it. */
  private readonly redirect: (location: string) => string;

  /**
   * Compiles the default templates, each replaced by the file of the same name in
   * `overrides` when it has one; throws an Error naming a file that is unreadable,
   * broken or not a template name.
   */
  constructor(overrides?: string) {
    const chosen = overrides === undefined ? new Set<string>() : overrideFiles(overrides);
    const compiled: Partial<Record<TemplateName, Handlebars.TemplateDelegate>> = {};
    for (const name of TEMPLATE_NAMES) {
      const dir = overrides !== undefined && chosen.has(name) ? overrides : DEFAULT_TEMPLATES_DIR;
      compiled[name] = compileTemplate(join(dir, `${name}.hbs`), name);
    }
    this.templates = compiled as Record<TemplateName, Handlebars.TemplateDelegate>;
    this.redirect = fillIn((location) => this.templates.redirect({ location }));
  }

  /** The page the go command reads; it depends on the module only, never the sub-path. */
  modulePage(module: Module, host: string, docsUrl?: string): string {
    const importPath = importPathOf(host, module.path);
    const html = this.templates.module({
      importPath,
      repo: module.repo,
      vcs: module.vcs,
      description: module.description,
      docsUrl: docsUrl ?? DOCS_BASE + importPath,
      goGet: `go get ${importPath}`,
    });
    const tags =
      `<meta name="go-import" content="${escapeHtml(goImportContent(module, host))}">\n` +
      `<meta name="go-source" content="${escapeHtml(goSourceContent(module, host))}">`;
    const at = headEnd(html);
    // The template was tried with sample modules at start; a page without a head is a bug.
    if (at < 0) throw new Error(`module template: no <head> tag for ${importPath}`);
    return `${html.slice(0, at)}\n${tags}${html.slice(at)}`;
  }

  redirectPage(location: string): string {
    return this.redirect(location);
  }

  indexPage(list: Listing): string {
    return this.templates.index(list);
  }

  /** A folder that is not a module but holds some: `/collector/` lists those below it. */
  directoryPage(host: string, path: string, modules: ListedModule[]): string {
    return this.templates.directory({ host, path, importPath: importPathOf(host, path), modules });
  }

  notFoundPage(): string {
    return this.templates['not-found']({});
  }
}

/** The template names `dir` overrides; a file that is no template's is an error, not ignored. */
function overrideFiles(dir: string): Set<string> {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (err) {
    throw new Error(
      `templates ${dir}: cannot read the folder (${(err as NodeJS.ErrnoException).code})`,
    );
  }

  const names = new Set<string>();
  for (const file of files.filter((name) => name.endsWith('.hbs'))) {
    const name = file.slice(0, -'.hbs'.length);
    if (!(TEMPLATE_NAMES as readonly string[]).includes(name)) {
      const guess = nearest(name, TEMPLATE_NAMES);
      const hint = guess ? `did you mean ${guess}.hbs?` : `names: ${TEMPLATE_NAMES.join(', ')}`;
      throw new Error(`template ${join(dir, file)}: not a template this server uses; ${hint}`);
    }
    names.add(name);
  }
  return names;
}

/** Handlebars puts the line first and what it expected last, with a picture between. */
function templateError(file: string, err: unknown): Error {
  const lines = (err as Error).message.split('\n');
  const reason = lines.length > 1 ? `${lines[0]} ${lines[lines.length - 1]}` : lines[0];
  return new Error(`template ${file}: ${reason}`);
}

/** Compiles one template and tries it on sample data; an Error names the file and why. */
function compileTemplate(file: string, name: TemplateName): Handlebars.TemplateDelegate {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`template ${file}: cannot read it (${(err as NodeJS.ErrnoException).code})`);
  }
  const problem = name === 'module' ? moduleSourceProblem(source) : null;
  if (problem) throw new Error(`template ${file}: ${problem}`);

  let compiled: Handlebars.TemplateDelegate;
  const pages: string[] = [];
  try {
    compiled = Handlebars.compile(source, { strict: false });
    for (const sample of SAMPLES[name] ?? [{}]) pages.push(compiled(sample));
  } catch (err) {
    throw templateError(file, err);
  }
  // A page that fails later, on data no sample had, still names its file.
  const template: Handlebars.TemplateDelegate = (context, options) => {
    try {
      return compiled(context, options);
    } catch (err) {
      throw templateError(file, err);
    }
  };

  if (name === 'module' && pages.some((page) => headEnd(page) < 0)) {
    const where = 'outside comments and before any <body>';
    throw new Error(`template ${file}: needs a <head> tag ${where}, where the go-import tag goes`);
  }
  return template;
}
