import { once } from 'node:events';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { bearer, call, contract, json, sessionPath, startTestServer, tokenFor } from './helpers.js';
import { EventStreamClient } from './sse.js';

let server: RunningServer;
let admin: string;

beforeAll(async () => {
  server = await startTestServer({ requestTimeoutSeconds: 1 });
  admin = await tokenFor(server, 'ADMIN');
});
afterAll(() => server.close());

interface RawAnswer {
  status: number;
  head: string;
  body: unknown;
  /** Milliseconds from the first byte sent to the end of the answer. */
  ms: number;
}

/** Sends raw bytes (all at once, or the first part only and then nothing) and reads the answer until the server closes. */
async function raw(request: string, { thenWait = false } = {}): Promise<RawAnswer> {
  const socket = connect(server.port, '127.0.0.1');
  await once(socket, 'connect');
  const start = performance.now();
  const chunks: Buffer[] = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  if (thenWait) socket.write(request);
  else socket.end(request);
  await once(socket, 'close');
  const text = Buffer.concat(chunks).toString('utf8');
  const [head = '', body = ''] = text.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), head, body: body ? JSON.parse(body) : undefined, ms: performance.now() - start };
}

const errorBody = (answer: RawAnswer) => contract.schema('Error')(answer.body);

describe('HTTP versions and Host', () => {
  it('serves HTTP/1.0, which nginx speaks to its upstreams by default', async () => {
    const answer = await raw('GET /healthz HTTP/1.0\r\n\r\n');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ok' });
  });

  it.each(['HTTP/0.9', 'HTTP/2.0'])('refuses a request line that says %s with 400 bad_request and an Error body', async (version) => {
    const answer = await raw(`GET /healthz ${version}\r\nHost: x\r\n\r\n`);
    expect(answer.status).toBe(400);
    expect(errorBody(answer)).toBeNull();
    expect(answer.body).toMatchObject({ message: 'bad_request', description: `${version} is not served: send HTTP/1.1` });
  });

  it('refuses an HTTP/1.1 request without Host with 400 bad_request and an Error body', async () => {
    const answer = await raw('GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(errorBody(answer)).toBeNull();
    expect(answer.body).toMatchObject({ message: 'bad_request', description: 'An HTTP/1.1 request must have a Host header' });
  });
});

describe('requests that do not arrive in time', () => {
  it('answers 408 request_timeout with an Error body when the headers do not arrive', async () => {
    const answer = await raw('GET /healthz HTTP/1.1\r\nHost: x\r\n', { thenWait: true });
    expect(answer.status).toBe(408);
    expect(errorBody(answer)).toBeNull();
    expect(answer.body).toMatchObject({ message: 'request_timeout', description: 'The request did not arrive in time: headers within 1 s, the whole request within 1 s' });
    expect(answer.ms).toBeLessThan(10_000);
  });

  it('answers 408 request_timeout when the body does not arrive whole', async () => {
    const answer = await raw(
      `POST /sbc/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"sessions": [`,
      { thenWait: true },
    );
    expect(answer.status).toBe(408);
    expect(answer.body).toMatchObject({ message: 'request_timeout' });
  });

  it('leaves an event stream open past the request timeout: the request arrived whole', async () => {
    const stream = await EventStreamClient.open(server, admin);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(stream.ended).toBe(false);
    stream.close();
  });
});

describe('HEAD', () => {
  it('answers HEAD on /sbc/events with 405 and Allow: GET, opening no stream', async () => {
    const answer = await fetch(`${server.url}/sbc/events`, { method: 'HEAD', headers: bearer(admin) });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET');
    // (A stream another test closed may take a moment to leave.)
    let subscribers = '';
    for (let i = 0; i < 40 && subscribers !== '0'; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      subscribers = /sbc_event_subscribers (\d+)/.exec((await call<string>(server, 'getMetrics', '/metrics')).body)?.[1] ?? '';
    }
    expect(subscribers).toBe('0');
  });

  it('answers HEAD on other GET operations like GET, without a body', async () => {
    const answer = await fetch(`${server.url}/sbc/session`, { method: 'HEAD', headers: bearer(admin) });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('');
  });
});

describe('parameters', () => {
  it.each(['0x10', '1e2'])('refuses limit=%s with 400 limit instead of reading it as a number', async (limit) => {
    const answer = await call(server, 'listSessions', `/sbc/session?limit=${limit}`, { headers: bearer(admin) });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ message: 'limit', description: 'limit must be an integer in decimal digits' });
  });

  it('refuses ?__proto__=1 with 400 like any unknown parameter', async () => {
    const answer = await call(server, 'listSessions', '/sbc/session?__proto__=1', { headers: bearer(admin) });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ message: '__proto__' });
  });

  it('refuses a query parameter on an operation that declares none with 400, and takes ?token= there', async () => {
    const refused = await call(server, 'getSession', '/sbc/session/any@x?limit=5', { headers: bearer(admin) });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ message: 'limit' });
    const withToken = await call(server, 'getSession', `/sbc/session/any@x?token=${admin}`);
    expect(withToken.status).toBe(404);
  });

  it('names a bad Last-Event-ID as the header is documented', async () => {
    const answer = await call(server, 'streamEvents', '/sbc/events', { headers: { ...bearer(admin), 'last-event-id': 'yesterday' } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ message: 'Last-Event-ID' });
  });
});

describe('Call-IDs that could never be named again', () => {
  it('refuses a reported Call-ID with a lone UTF-16 surrogate with 422 and stores nothing', async () => {
    const body = '{"sessions":[{"callId":"lone\\ud800@x","sbcServer":"10.0.0.1"}]}';
    const answer = await call(server, 'ingestSessions', '/sbc/ingest', { method: 'POST', headers: { ...bearer(admin), 'content-type': 'application/json' }, body });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ message: 'sessions', description: 'sessions[0].callId holds a lone UTF-16 surrogate: it is not valid Unicode text' });
    expect((await server.store.listSessions({ offset: 0, limit: 10, homeCountryCode: '45' }, { all: true })).total).toBe(0);
  });

  it('refuses a path with an encoded surrogate with 400 bad_request', async () => {
    const answer = await call(server, 'reportSession', '/sbc/session/lone%ED%A0%80%40x', json(admin, { sbcServer: '10.0.0.1' }));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ message: 'bad_request' });
  });
});

describe('compressed bodies', () => {
  it('answers a gzip body with 415 unsupported_media_type saying to send it uncompressed', async () => {
    const answer = await call(server, 'reportSession', sessionPath('gzip@x'), {
      method: 'PATCH',
      headers: { ...bearer(admin), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ sbcServer: '10.0.0.1' })),
    });
    expect(answer.status).toBe(415);
    expect(answer.body).toMatchObject({ message: 'unsupported_media_type', description: 'Content-Encoding gzip is not accepted: send the body uncompressed' });
  });

  it('accepts Content-Encoding: identity', async () => {
    const init = json(admin, { sbcServer: '10.0.0.1' });
    const answer = await call(server, 'reportSession', sessionPath('identity@x'), { ...init, headers: { ...(init.headers as Record<string, string>), 'content-encoding': 'identity' } });
    expect(answer.status).toBe(201);
  });
});
