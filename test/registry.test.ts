// Registry lookups: longest whole-segment prefix, at a cost set by module depth alone.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registryFrom } from './helpers.js';

function bigRegistry(count: number) {
  const lines = ['host: go.example.org', 'paths:'];
  for (let i = 0; i < count; i++) {
    lines.push(`  /m${i}:`, `    repo: https://github.com/org/m${i}`);
    if (i % 100 === 0) lines.push(`  /m${i}/sub/deep:`, `    repo: https://github.com/org/d${i}`);
  }
  lines.push('  /otel:', '    repo: https://github.com/o/otel');
  lines.push('  /otel-ext:', '    repo: https://github.com/o/otel-ext');
  lines.push('  /otel/x:', '    repo: https://github.com/o/otel-x');
  return registryFrom(`${lines.join('\n')}\n`);
}

describe('lookup', () => {
  const registry = bigRegistry(10_000);
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['/otel', '/otel'],
    ['/otel/y', '/otel'],
    ['/otel-ext/y', '/otel-ext'],
    ['/otel/x', '/otel/x'],
    ['/otel/x/y/z', '/otel/x'],
    ['/m9999/a', '/m9999'],
    ['/m100/sub/deep/er', '/m100/sub/deep'],
    ['/m101/sub/deep/er', '/m101'],
  ])('finds the module of %s among 10,000: %s', (path, module) => {
    expect(registry.lookup(path)?.module.path).toBe(module);
    expect(registry.lookup(path)?.path).toBe(path);
  });

  it.each(['/otelx', '/otel-extra', '/m10000', '/', '/__proto__', '/constructor'])(
    'finds nothing for %s',
    (path) => {
      expect(registry.lookup(path)).toBeUndefined();
    },
  );

  it('probes no deeper than the deepest module, however long the path', () => {
    const probes = vi.spyOn(Map.prototype, 'get');
    registry.lookup(`/x${'/a'.repeat(8000)}`);
    // Three elements deep at most, then the root.
    expect(probes.mock.calls.length).toBeLessThanOrEqual(4);
    expect(probes.mock.calls.every(([key]) => String(key).length <= 6)).toBe(true);
  });
});
