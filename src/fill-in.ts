// A page that differs per request by one escaped value, rendered once and then filled in.
//
// Every browser request gets a redirect page naming its own Location. Rendering
// the template each time costs more than the rest of the answer together, yet
// the default template only inserts the location, escaped. So the template is
// rendered once around a stand-in and split there; a request's page is the
// parts joined by its escaped location. A template that does anything else with
// the value (inserts it raw, tests or measures it, reads a character) is
// rendered per request as before.
import Handlebars from 'handlebars';

/** What the stand-in gives where `{{value}}` inserts it: never text a template holds. */
const MARK = '\u0000vanity-fill-in\u0000';

/** A plain string check too: it differs from MARK and holds each character Handlebars escapes. */
const PROBE = '\u0001&<>"\'`=\u0001';

/**
 * A function that returns exactly `render(value)` for any string: by string
 * concatenation when `render` is seen to use the value only as `{{value}}`
 * does, inserted escaped; by calling `render` otherwise.
 */
export function fillIn(render: (value: unknown) => string): (value: string) => string {
  const parts = partsAround(render);
  if (!parts || tryRender(render, PROBE) !== join(parts, PROBE)) return render;

  // An empty value is falsy, where the stand-in is not: `{{#if value}}` could tell.
  return (value) => (value === '' ? render(value) : join(parts, value));
}

/**
 * The text around each escaped insertion of the value, or null when the
 * template used the value in any other way (or threw).
 */
function partsAround(render: (value: unknown) => string): string[] | null {
  const standIn = watchedStandIn();
  const text = tryRender(render, standIn.value);
  return text === undefined || standIn.misused() ? null : text.split(MARK);
}

/**
 * A value whose every use is noted but one: `{{value}}` escapes it by calling
 * its `toHTML`, as for Handlebars' SafeString. Inserting it raw, reading a
 * property or a character, iterating or comparing it all go through another
 * proxy trap, and any trap at all but that one marks it misused.
 */
function watchedStandIn(): { value: object; misused: () => boolean } {
  let misused = false;
  const traps = new Proxy({} as ProxyHandler<object>, {
    get: (_handler, trap: keyof typeof Reflect) => {
      return (...args: unknown[]) => {
        if (trap === 'get' && args[1] === 'toHTML') return () => MARK;
        misused = true;
        return (Reflect[trap] as (...rest: unknown[]) => unknown)(...args);
      };
    },
  });
  return { value: new Proxy({}, traps), misused: () => misused };
}

function tryRender(render: (value: unknown) => string, value: unknown): string | undefined {
  try {
    return render(value);
  } catch {
    return undefined;
  }
}

function join(parts: readonly string[], value: string): string {
  const escaped = Handlebars.escapeExpression(value);
  let text = parts[0] ?? '';
  for (let i = 1; i < parts.length; i++) text += escaped + parts[i];
  return text;
}
