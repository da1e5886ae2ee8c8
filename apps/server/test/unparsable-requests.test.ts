import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { bearer, call, contract, json, sessionPath, startTestServer, tokenFor } from './helpers.js';

let server: RunningServer;
let admin: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await tokenFor(server, 'ADMIN');
});
afterAll(() => server.close());

/** Sends raw bytes and reads the whole answer: fetch cannot send what these tests send. */
function raw(request: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), body: JSON.parse(body) });
    });
    socket.end(request);
  });
}

describe('requests that cannot be read', () => {
  it.each(['%zz', '%C0%AF', 'abc%E2%82'])('answers 400 bad_request for the undecodable path segment %s', async (segment) => {
    const answer = await call(server, 'getSession', `/sbc/session/${segment}`, { headers: bearer(admin) });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ message: 'bad_request' });
  });

  it('serves a Call-ID that holds % signs and escapes of its own, sent encoded once', async () => {
    const callId = 'a%zz%41%@pbx%1.example';
    const sbc = await tokenFor(server, 'SBC', { sbcServer: '10.0.0.1' });
    expect((await call(server, 'reportSession', sessionPath(callId), json(sbc, { started: '2025-01-01T12:00:00.000Z' }))).status).toBe(201);
    const answer = await call(server, 'getSession', sessionPath(callId), { headers: bearer(admin) });
    expect(answer.body).toMatchObject({ callId });
  });

  it('answers 400 bad_request for an undecodable customer id too, as for any path', async () => {
    const answer = await call(server, 'getCustomer', '/sbc/customer/%zz', { headers: bearer(admin) });
    expect(answer.body).toMatchObject({ status: 400, message: 'bad_request', description: 'The path is not valid percent-encoded UTF-8' });
  });

  it('stores nothing for a report sent to an undecodable path', async () => {
    const answer = await call(server, 'reportSession', '/sbc/session/%C0%AF', {
      method: 'PATCH',
      headers: { ...bearer(admin), 'content-type': 'application/json' },
      body: JSON.stringify({ sbcServer: '10.0.0.1' }),
    });
    expect(answer.status).toBe(400);
    expect(await server.store.getSession('%C0%AF', { all: true })).toBeUndefined();
  });

  it('answers 431 headers_too_large with an Error body for a query string over 16 KiB', async () => {
    const answer = await raw(`GET /sbc/session?number=${'1'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(contract.schema('Error')(answer.body)).toBeNull();
    expect(answer.body).toMatchObject({ status: 431, message: 'headers_too_large' });
  });

  it('answers 400 bad_request with an Error body for a request that is not HTTP', async () => {
    const answer = await raw('HELLO\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 400, message: 'bad_request' });
  });
});
