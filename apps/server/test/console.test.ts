import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { call, startTestServer } from './helpers.js';

// A console build of its own, so that these tests say what the server does with any build.
const consoleDir = mkdtempSync(join(tmpdir(), 'console-test-'));
mkdirSync(join(consoleDir, 'assets'));
writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>SBC console</title><script type="module" src="/console/assets/index-abc123.js"></script>');
writeFileSync(join(consoleDir, 'assets', 'index-abc123.js'), 'console.log("console")');
writeFileSync(join(consoleDir, 'assets', 'index-abc123.css'), 'body{}');
writeFileSync(join(consoleDir, 'secret.txt'), 'not an asset');

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer({ consoleDir });
});
afterAll(() => server.close());

describe('/console', () => {
  it('serves the page, asked for again on every visit, at /console and /console/', async () => {
    for (const path of ['/console', '/console/']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<title>SBC console</title>');
    }
  });

  it('lets the page load and reach only its own origin (Content-Security-Policy)', async () => {
    const res = await fetch(`${server.url}/console`);
    const policy = res.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves hashed assets with their media type, cacheable for a year', async () => {
    const script = await fetch(`${server.url}/console/assets/index-abc123.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await script.text()).toBe('console.log("console")');
    const style = await fetch(`${server.url}/console/assets/index-abc123.css`);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers 404 not_found for an asset that is not there', async () => {
    const res = await call(server, null, '/console/assets/index-nothere.js');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ message: 'not_found', description: 'No such console asset: index-nothere.js' });
  });

  it('serves nothing outside its assets: no climbing out, no other file types', async () => {
    for (const path of ['/console/assets/..%2Fsecret.txt', '/console/assets/%2E%2E%2Findex.html', '/console/secret.txt', '/console/assets/index-abc123.txt']) {
      const res = await call(server, null, path);
      expect(res.status, path).toBe(404);
    }
  });

  it('answers 503 not_ready with what to run until the console is built', async () => {
    const unbuilt = await startTestServer({ consoleDir: '/nonexistent' });
    const res = await call(unbuilt, null, '/console');
    expect(res.body).toMatchObject({ status: 503, message: 'not_ready', description: 'The console is not built: run `pnpm --filter @sbc/console build`' });
    await unbuilt.close();
  });
});
