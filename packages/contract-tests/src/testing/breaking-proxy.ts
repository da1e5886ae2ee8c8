import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readRequest } from '../http/read-request.js';
import { send } from '../http/send.js';
import type { WireResponse } from '../spec/response-check.js';
import type { WireRequest } from '../spec/wire-request.js';

/** How a deliberately broken server departs from the real one. */
export interface Breakage {
  /** Changes the request before the real server sees it (a bug in auth, say). */
  request?(request: WireRequest): WireRequest;
  /** Changes the real server's answer, or never answers at all. */
  response?(request: WireRequest, response: WireResponse): WireResponse | 'hang' | Promise<WireResponse | 'hang'>;
}

export interface BrokenServer {
  url: string;
  close(): Promise<void>;
}

/**
 * A broken server for the tests of the tests: the real server behind a proxy that breaks it one
 * chosen way, so that each check can be shown to catch that very fault.
 */
export async function startBrokenServer(realUrl: string, breakage: Breakage): Promise<BrokenServer> {
  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const original = await readRequest(incoming);
      const request = breakage.request ? breakage.request(original) : original;
      const real = await send(realUrl, request, { streamMs: 300 });
      const answer = breakage.response ? await breakage.response(request, real) : real;
      if (answer === 'hang') return;
      const headers = Object.fromEntries(
        Object.entries(answer.headers).filter(([name, value]) => value !== undefined && !['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(name)),
      );
      outgoing.writeHead(answer.status, headers as Record<string, string | string[]>);
      outgoing.end(answer.body);
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
