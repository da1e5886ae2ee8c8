import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readRequest } from '../http/read-request.js';
import type { WireResponse } from '../spec/response-check.js';
import type { WireRequest } from '../spec/wire-request.js';

/** How a deliberately broken server departs from the real one. */
export interface Breakage {
  /** Changes the request before the real server sees it (a bug in auth, say). */
  request?(request: WireRequest): WireRequest;
  /** Changes the real server's whole answer (not a stream), or never answers at all. */
  response?(request: WireRequest, response: WireResponse): WireResponse | 'hang' | Promise<WireResponse | 'hang'>;
  /** Changes each piece of an event stream as it passes. */
  stream?(text: string): string;
}

export interface BrokenServer {
  url: string;
  close(): Promise<void>;
}

const hopByHop = ['content-length', 'transfer-encoding', 'connection', 'keep-alive'];

/**
 * A broken server for the tests of the tests: the real server behind a proxy that breaks it one
 * chosen way, so that each check can be shown to catch that very fault. Event streams pass live.
 */
export async function startBrokenServer(realUrl: string, breakage: Breakage): Promise<BrokenServer> {
  const real = new URL(realUrl);
  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const original = await readRequest(incoming);
      const request = breakage.request ? breakage.request(original) : original;
      const upstream = httpRequest({ host: real.hostname, port: real.port, method: request.method, path: request.target, headers: request.headers }, (answer) => {
        if (answer.headers['content-type']?.startsWith('text/event-stream')) passStream(answer, outgoing, incoming, breakage);
        else void passWhole(request, answer, outgoing, breakage);
      });
      upstream.on('error', () => outgoing.destroy());
      upstream.end(request.body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function headersOf(answer: IncomingMessage | WireResponse): Record<string, string | string[]> {
  return Object.fromEntries(
    Object.entries(answer.headers).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined && !hopByHop.includes(entry[0])),
  );
}

function passStream(answer: IncomingMessage, outgoing: ServerResponse, incoming: IncomingMessage, breakage: Breakage): void {
  outgoing.writeHead(answer.statusCode ?? 200, headersOf(answer));
  outgoing.flushHeaders();
  answer.on('data', (chunk: Buffer) => outgoing.write(breakage.stream ? breakage.stream(chunk.toString('utf8')) : chunk));
  answer.on('end', () => outgoing.end());
  incoming.socket.on('close', () => answer.destroy());
}

async function passWhole(request: WireRequest, answer: IncomingMessage, outgoing: ServerResponse, breakage: Breakage): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of answer) chunks.push(chunk as Buffer);
  const whole: WireResponse = { status: answer.statusCode ?? 0, headers: answer.headers, body: Buffer.concat(chunks) };
  const broken = breakage.response ? await breakage.response(request, whole) : whole;
  if (broken === 'hang') return;
  outgoing.writeHead(broken.status, headersOf(broken));
  outgoing.end(broken.body);
}
