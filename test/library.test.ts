// The package as a library: imported by its own name through package.json `exports`.
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { Answerer, createApp, createLogger, parseConfig, Registry } from 'go-vanity';
import type { AppOptions } from 'go-vanity';
import { metaTags } from './helpers.js';

describe('the package exports', () => {
  it('mounts in another Express app as the README shows', async () => {
    const result = parseConfig(
      'host: go.example.org\npaths:\n  /lib:\n    repo: https://github.com/u/lib\n',
      'inline.yaml',
    );
    if (!result.ok) throw new Error('the example config should be valid');
    const options: AppOptions = { logger: createLogger({ quiet: true }) };
    const app = express();
    app.use('/go', createApp(new Registry(result.config), options));

    const res = await request(app).get('/go/lib/x?go-get=1');
    expect(metaTags(res.text, 'go-import')).toEqual([
      'go.example.org/lib git https://github.com/u/lib',
    ]);
  });

  it('answers without HTTP through Answerer', () => {
    const result = parseConfig(
      'host: a.example\npaths:\n  /m:\n    repo: https://github.com/u/m\n',
      'x',
    );
    if (!result.ok) throw new Error('the example config should be valid');
    const answer = new Answerer(new Registry(result.config)).answer({
      method: 'GET',
      target: '/m',
    });
    expect(answer.status).toBe(302);
    expect(answer.headers['Location']).toBe('https://pkg.go.dev/a.example/m');
  });
});
