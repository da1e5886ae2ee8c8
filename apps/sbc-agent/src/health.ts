// GET /healthz: whether the agent is connected to Kamailio and to the API, and how much it buffers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthReport {
  status: 'ok' | 'degraded';
  /** Why the agent cannot do its job right now (absent when it can). */
  problems?: string[];
  kamailio: 'connected' | 'disconnected';
  /** Following `/sbc/events` (connected, or connecting with the client's own retries), or waiting to start again after it failed. */
  commands: 'following' | 'retrying';
  buffered: number;
  /** Reports the agent dropped because its buffer was full, since it started. */
  dropped: number;
  /** Event copies Kamailio dropped before the agent got them (its bound, or low memory), since Kamailio started. */
  lostInKamailio: number;
  delivered: number;
  rejected: number;
  failedAttempts: number;
  lastDeliveryAt?: string;
  lastError?: string;
}

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

/** 200 while the agent can do its job, 503 (with the problems) when it cannot: Kamailio unreachable, or the buffer full. */
export async function startHealthServer(host: string, port: number, report: () => HealthReport): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/healthz') {
      response.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"not_found"}');
      return;
    }
    const body = report();
    response.writeHead(body.status === 'ok' ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
