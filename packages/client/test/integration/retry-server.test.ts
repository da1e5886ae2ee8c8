// The retry rules over real HTTP: a fake server that answers 503 (or drops the connection)
// before it answers 200.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { createSbcClient } from '../../src/index.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** Serves the steps in turn, one per request, then the last one again. */
async function fakeServer(steps: Array<(req: IncomingMessage, res: ServerResponse) => void>) {
  const seen: string[] = [];
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    steps[Math.min(seen.length - 1, steps.length - 1)]?.(req, res);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = createSbcClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't', retries: { attempts: 2, baseDelayMs: 1, maxDelayMs: 50 } });
  return { client, seen };
}

const unavailable = (_: IncomingMessage, res: ServerResponse) => {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
  res.end(JSON.stringify({ status: 503, message: 'not_ready', description: 'Starting' }));
};
const reset = (req: IncomingMessage) => req.socket.destroy();
const session = (req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ callId: decodeURIComponent(req.url?.split('/').pop() ?? '') }));
};
const ingested = (_: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ created: 1, updated: 0, unchanged: 0, rejected: 0, results: [{ callId: 'a@b', result: 'created' }] }));
};

it('GET answered 503 then 200 returns the 200', async () => {
  const { client, seen } = await fakeServer([unavailable, session]);
  await expect(client.getSession('a/b@c')).resolves.toEqual({ callId: 'a/b@c' });
  expect(seen).toEqual(['GET /sbc/session/a%2Fb%40c', 'GET /sbc/session/a%2Fb%40c']);
});

it('GET whose connection is reset is sent again', async () => {
  const { client, seen } = await fakeServer([reset, session]);
  await expect(client.getSession('a@b')).resolves.toEqual({ callId: 'a@b' });
  expect(seen).toHaveLength(2);
});

it('POST /sbc/ingest answered 503 is not sent again', async () => {
  const { client, seen } = await fakeServer([unavailable, ingested]);
  await expect(client.reportBatch([{ callId: 'a@b' }])).rejects.toMatchObject({ status: 503 });
  expect(seen).toEqual(['POST /sbc/ingest']);
});

it('POST /sbc/ingest whose connection is reset is not sent again', async () => {
  const { client, seen } = await fakeServer([reset, ingested]);
  await expect(client.reportBatch([{ callId: 'a@b' }])).rejects.toMatchObject({ name: 'SbcNetworkError' });
  expect(seen).toHaveLength(1);
});
