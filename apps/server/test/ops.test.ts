import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { bearer, call, capturedLogs, holdStore, contract, json, seed, sessionPath, startTestServer, tokenFor } from './helpers.js';

let server: RunningServer;
let admin: string;
let logLines: string[];

beforeAll(async () => {
  const logs = capturedLogs();
  logLines = logs.lines;
  server = await startTestServer({ logger: logs.logger, bodyLimit: 4096 });
  admin = await tokenFor(server, 'ADMIN');
  await seed(server, { callId: 'ops@x' });
});
afterAll(() => server.close());

describe('probes and descriptions', () => {
  it('/healthz answers ok without a token', async () => {
    const res = await call(server, 'getHealth', '/healthz');
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('/readyz answers ready when the database answers', async () => {
    const res = await call(server, 'getReadiness', '/readyz');
    expect(res.body).toEqual({ status: 'ready' });
  });

  it('/openapi.json serves the bundled contract', async () => {
    const res = await call<{ paths: object }>(server, 'getOpenApi', '/openapi.json');
    expect(res.body).toEqual(contract.document);
  });

  it('/docs serves the built reference as HTML', async () => {
    const res = await fetch(`${server.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('SBC Session API');
  });

  it('/docs answers 503 not_ready with a clear description until the reference is built', async () => {
    const unbuilt = await startTestServer({ docsFile: '/nonexistent/index.html' });
    const res = await call(unbuilt, null, '/docs');
    expect(res.body).toMatchObject({ status: 503, message: 'not_ready', description: 'The API reference is not built: run `pnpm docs:build`' });
    await unbuilt.close();
  });

  it('/metrics counts requests by route and status and shows live sessions', async () => {
    await call(server, 'getSession', sessionPath('ops@x'), { headers: bearer(admin) });
    const res = await call<string>(server, 'getMetrics', '/metrics');
    expect(res.body).toContain('sbc_http_requests_total{method="GET",route="/sbc/session/{id}",status="200"} 1');
    expect(res.body).toContain('sbc_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/sbc/session/{id}",status="200"} 1');
    expect(res.body).toContain('sbc_live_sessions 1');
    expect(res.body).toContain('sbc_event_subscribers 0');
  });
});

describe('requests outside the contract', () => {
  it('answers 404 not_found for an unknown path', async () => {
    const res = await call(server, null, '/nowhere', { headers: bearer(admin) });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ message: 'not_found' });
  });

  it('treats paths as case-sensitive', async () => {
    const res = await call(server, null, '/SBC/SESSION', { headers: bearer(admin) });
    expect(res.body).toMatchObject({ status: 404, message: 'not_found' });
  });

  it('answers 405 method_not_allowed with Allow for a method the path lacks', async () => {
    const res = await call(server, null, '/sbc/session', { method: 'POST', headers: bearer(admin) });
    expect(res.status).toBe(405);
    expect(res.body).toMatchObject({ message: 'method_not_allowed' });
    expect(res.headers.get('allow')).toContain('GET');
  });

  it('lists in Allow every method of a path that ends in a parameter, HEAD beside GET, the missing id too', async () => {
    for (const path of ['/sbc/session/ops%40x', '/sbc/session/']) {
      const res = await call(server, null, path, { method: 'PUT', headers: bearer(admin) });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('HEAD, GET, DELETE, PATCH');
    }
  });

  it('answers 404 for a trailing slash or a further segment the contract does not have', async () => {
    for (const path of ['/sbc/whoami/', '/sbc/session/ops%40x/', '/sbc/session/ops%40x/more']) {
      const res = await call(server, null, path, { headers: bearer(admin) });
      expect(res.body).toMatchObject({ status: 404, message: 'not_found' });
    }
  });

  it('answers 400 bad_request for an id that is not percent-encoded UTF-8', async () => {
    const res = await call(server, null, '/sbc/session/%E0%A4%A', { headers: bearer(admin) });
    expect(res.body).toMatchObject({ status: 400, message: 'bad_request', description: 'The path is not valid percent-encoded UTF-8' });
  });
});

describe('request bodies', () => {
  it('answers 400 bad_request for JSON that does not parse', async () => {
    const res = await call(server, 'reportSession', sessionPath('body@x'), {
      method: 'PATCH',
      headers: { ...bearer(admin), 'content-type': 'application/json' },
      body: '{"aNumber":',
    });
    expect(res.body).toMatchObject({ status: 400, message: 'bad_request' });
  });

  it('answers 400 bad_request for a body that is not UTF-8', async () => {
    const res = await call(server, 'ingestSessions', '/sbc/ingest', {
      method: 'POST',
      headers: { ...bearer(admin), 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from('{"sessions":[{"callId":"'), Buffer.from([0xff]), Buffer.from('@x"}]}')]),
    });
    expect(res.body).toMatchObject({ status: 400, message: 'bad_request' });
  });

  it('answers 413 payload_too_large above BODY_LIMIT', async () => {
    const res = await call(server, 'reportSession', sessionPath('body@x'), json(admin, { userAgent: 'x'.repeat(5000) }));
    expect(res.body).toMatchObject({ status: 413, message: 'payload_too_large' });
  });

  it('answers 415 unsupported_media_type for a body that is not JSON', async () => {
    const res = await call(server, 'reportSession', sessionPath('body@x'), {
      method: 'PATCH',
      headers: { ...bearer(admin), 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.body).toMatchObject({ status: 415, message: 'unsupported_media_type' });
  });

  it('accepts application/merge-patch+json', async () => {
    const res = await call(server, 'reportSession', sessionPath('merge@x'), json(admin, { sbcServer: '10.0.0.1' }, 'PATCH', 'application/merge-patch+json'));
    expect(res.status).toBe(201);
  });
});

describe('faults', () => {
  it('answers 500 internal_error without a stack trace when a handler throws', async () => {
    const original = server.store.getSessionJson;
    server.store.getSessionJson = () => Promise.reject(new Error('disk on fire at /secret/path'));
    try {
      const res = await call<{ description: string }>(server, 'getSession', sessionPath('ops@x'), { headers: bearer(admin) });
      expect(res.body).toMatchObject({ status: 500, message: 'internal_error' });
      expect(JSON.stringify(res.body)).not.toContain('/secret/path');
    } finally {
      server.store.getSessionJson = original;
    }
  });

  it('/readyz answers 503 not_ready when the database does not answer', async () => {
    const original = server.store.ping;
    server.store.ping = () => Promise.reject(new Error('gone'));
    try {
      const res = await call(server, 'getReadiness', '/readyz');
      expect(res.body).toMatchObject({ status: 503, message: 'not_ready' });
    } finally {
      server.store.ping = original;
    }
  });
});

describe('logs', () => {
  it('logs method, route, status, duration and request id per request', async () => {
    await call(server, 'getSession', sessionPath('ops@x'), { headers: { ...bearer(admin), 'x-request-id': 'log-check-1' } });
    const line = logLines.map((l) => JSON.parse(l)).find((l) => l.reqId === 'log-check-1');
    expect(line).toMatchObject({ method: 'GET', route: '/sbc/session/{id}', status: 200 });
    expect(typeof line.ms).toBe('number');
  });

  it('never logs a token given as ?token=', async () => {
    await call(server, 'listSessions', `/sbc/session?token=${admin}`);
    expect(logLines.join('')).not.toContain(admin);
    expect(logLines.join('')).toContain('token=[REDACTED]');
  });
});

describe('graceful shutdown', () => {
  it('lets an open request finish, refuses new work and closes the database', async () => {
    const own = await startTestServer();
    const token = await tokenFor(own, 'ADMIN');
    await seed(own, { callId: 'slow@x' });
    const release = holdStore(own.store, 'getSessionJson');
    const inFlight = call(own, 'getSession', sessionPath('slow@x'), { headers: bearer(token) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = own.close();
    release();
    expect((await inFlight).status).toBe(200);
    await closed;
    await expect(fetch(`${own.url}/healthz`)).rejects.toThrow();
    await expect(own.store.ping()).rejects.toThrow();
  });

  it('answers 503 not_ready to a request that arrives on an open connection while shutting down', async () => {
    const own = await startTestServer();
    const token = await tokenFor(own, 'ADMIN');
    await seed(own, { callId: 'slow@x' });
    const release = holdStore(own.store, 'getSessionJson');
    const { connect } = await import('node:net');
    const socket = connect(own.port, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => (received += String(d)));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    socket.write(`GET /sbc/session/slow%40x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = own.close();
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await closed;
    await ended;
    expect(received).toMatch(/^HTTP\/1.1 200/);
    expect(received).toContain('HTTP/1.1 503');
    expect(received).toContain('"message":"not_ready"');
    socket.destroy();
  });
});
