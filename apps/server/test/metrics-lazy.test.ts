import { createRequire } from 'node:module';
import { afterAll, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { call, startTestServer } from './helpers.js';

// Its own file, so its own process: no scrape of another test has loaded prom-client before it.
let server: RunningServer;
afterAll(() => server.close());

const promClientLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('/prom-client/'));

it('loads prom-client at the first scrape of /metrics, not with the server', async () => {
  server = await startTestServer();
  await call(server, 'getHealth', '/healthz');
  expect(promClientLoaded()).toBe(false);
  expect((await call<string>(server, 'getMetrics', '/metrics')).body).toMatch(/^sbc_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1$/m);
  expect(promClientLoaded()).toBe(true);
});
