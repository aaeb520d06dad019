// The soak of bench/soak.mjs, short: 5 s of load with a reload every second, zero errors.
// Memory is the benchmark's to judge (`npm run soak`, 60 s); five seconds cannot show a trend.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { soak } from '../bench/soak.mjs';

describe('soak (short)', () => {
  it('answers every request right while the config is reloaded each second', async () => {
    if (!existsSync(resolve('dist/cli.js'))) throw new Error('run "npm run build" first');
    // soak() starts the server itself and kills it by its pid before it returns or throws.
    const result = await soak({ seconds: 5, reloadEvery: 1, connections: 8, warmup: 1 });
    expect(result.errorSamples).toEqual([]);
    expect(result.errors).toBe(0);
    expect(result.requests).toBeGreaterThan(100);
    expect(result.reloads.applied).toBeGreaterThanOrEqual(2);
    expect(result.reloads.refused).toBe(1);
    for (const kind of ['go-get', 'browser', 'index', 'unknown']) {
      expect(result.byKind[kind]).toBeGreaterThan(0);
    }
  }, 60_000);
});
