// The health address: GET /healthz, whether the agent is connected to Kamailio and to the API and
// how much it buffers; GET /metrics, the same and more for Prometheus.
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

/** What `GET /metrics` answers. */
export interface MetricsSource {
  contentType: string;
  render(): Promise<string>;
}

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

/** 200 while the agent can do its job, 503 (with the problems) when it cannot: Kamailio unreachable, or the buffer full. */
export async function startHealthServer(host: string, port: number, report: () => HealthReport, metrics: MetricsSource): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const path = request.url?.split('?')[0];
    if (request.method === 'GET' && path === '/healthz') {
      const body = report();
      response.writeHead(body.status === 'ok' ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      response.end(JSON.stringify(body));
    } else if (request.method === 'GET' && path === '/metrics') {
      metrics.render().then(
        (text) => response.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' }).end(text),
        () => response.writeHead(500, { 'Content-Type': 'application/json' }).end('{"message":"metrics_failed"}'),
      );
    } else {
      response.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"not_found"}');
    }
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
