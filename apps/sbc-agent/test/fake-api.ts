// A stand-in for the SBC session API's ingest endpoint on 127.0.0.1 port 0: records each batch,
// and answers 503 while `down` is set.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IngestReport } from '@sbc/client';

export interface FakeApi {
  url: string;
  batches: IngestReport[][];
  down: boolean;
  failedRequests: number;
  /** Resolves once at least `count` reports were accepted. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeApi(): Promise<FakeApi> {
  const waiters: { count: number; resolve: () => void }[] = [];
  const api: FakeApi = {
    url: '',
    batches: [],
    down: false,
    failedRequests: 0,
    received(count) {
      return new Promise((resolve) => {
        waiters.push({ count, resolve });
        settle();
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const total = () => api.batches.reduce((sum, batch) => sum + batch.length, 0);
  function settle() {
    for (const waiter of [...waiters]) {
      if (total() >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/sbc/ingest') {
        response.writeHead(404).end();
        return;
      }
      if (api.down) {
        api.failedRequests++;
        response.writeHead(503, { 'Content-Type': 'application/json' }).end('{"status":503,"message":"unavailable","description":"down for the test"}');
        return;
      }
      const sessions = (JSON.parse(body) as { sessions: IngestReport[] }).sessions;
      api.batches.push(sessions);
      const results = sessions.map((report) => ({ callId: report.callId, result: 'created' }));
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ created: sessions.length, updated: 0, unchanged: 0, rejected: 0, results }));
      settle();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}
