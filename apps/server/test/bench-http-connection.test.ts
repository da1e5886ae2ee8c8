import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpConnection } from '../bench/src/http-connection.js';

// The ingest benchmark's figures are only as true as its client: these pin what it sends and reads.

let server: Server | undefined;
let connection: HttpConnection | undefined;

async function serve(handle: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ connection: HttpConnection; sockets: () => number }> {
  let sockets = 0;
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handle(req, body, res));
  });
  server.on('connection', () => sockets++);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  connection = new HttpConnection('127.0.0.1', (server.address() as AddressInfo).port, 5_000);
  return { connection, sockets: () => sockets };
}

afterEach(async () => {
  connection?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

describe('the ingest benchmark’s HTTP connection', () => {
  it('sends the method, path, headers and body it is given', async () => {
    const { connection } = await serve((req, body, res) => res.end(JSON.stringify({ method: req.method, url: req.url, type: req.headers['content-type'], body })));
    const answer = await connection.request('PATCH', '/sbc/session/a%40b', { 'content-type': 'application/merge-patch+json' }, '{"answered":"æ"}');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ method: 'PATCH', url: '/sbc/session/a%40b', type: 'application/merge-patch+json', body: '{"answered":"æ"}' });
  });

  it('keeps one connection open across requests', async () => {
    const { connection, sockets } = await serve((_req, body, res) => res.writeHead(201, { 'content-length': Buffer.byteLength(body) }).end(body));
    for (const body of ['one', 'two', 'three']) expect(await connection.request('POST', '/', {}, body)).toEqual({ status: 201, body });
    expect(sockets()).toBe(1);
  });

  it('reads a chunked answer whole', async () => {
    const { connection } = await serve((_req, _body, res) => {
      res.write('first part, ');
      setTimeout(() => res.end('second part'), 10);
    });
    expect(await connection.request('POST', '/', {}, '')).toEqual({ status: 200, body: 'first part, second part' });
  });

  it('opens a new connection after an answer that closes its own', async () => {
    const { connection, sockets } = await serve((_req, _body, res) => res.writeHead(503, { connection: 'close' }).end('gone'));
    expect(await connection.request('GET', '/', {}, '')).toEqual({ status: 503, body: 'gone' });
    expect(await connection.request('GET', '/', {}, '')).toEqual({ status: 503, body: 'gone' });
    expect(sockets()).toBe(2);
  });

  it('fails a request the server hangs up on', async () => {
    const { connection } = await serve((req) => req.socket.destroy());
    await expect(connection.request('POST', '/', {}, 'x')).rejects.toThrow('closed the connection');
  });
});
