import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { accessLogger, redactUrl, type AccessEntry } from '../src/logger.js';
import { call, capturedLogs, startTestServer, tokenFor } from './helpers.js';

let server: RunningServer;
let admin: string;
let logLines: string[];

beforeAll(async () => {
  const logs = capturedLogs();
  logLines = logs.lines;
  server = await startTestServer({ logger: logs.logger, requestTimeoutSeconds: 1 });
  admin = await tokenFor(server, 'ADMIN');
});
afterAll(() => server.close());

describe('tokens in the query string are never logged', () => {
  it.each(['%74oken', 'tok%65n', '%74%6F%6B%65%6E'])('a token given as ?%s= authenticates and is logged redacted', async (name) => {
    const answer = await call(server, 'listSessions', `/sbc/session?${name}=${admin}`);
    expect(answer.status).toBe(200);
    expect(logLines.join('')).not.toContain(admin);
    expect(logLines.join('')).toContain(`${name}=[REDACTED]`);
  });

  it('redacts by the decoded parameter name and keeps every other parameter as sent', () => {
    expect(redactUrl('/sbc/session?live=true&%74oken=secret&limit=5')).toBe('/sbc/session?live=true&%74oken=[REDACTED]&limit=5');
    expect(redactUrl('/sbc/session?TOKEN=secret')).toBe('/sbc/session?TOKEN=[REDACTED]');
    expect(redactUrl('/sbc/session?tokens=kept&number=%2B45')).toBe('/sbc/session?tokens=kept&number=%2B45');
  });

  it('redacts a token parameter given without a value or with a bad percent-encoding beside it', () => {
    expect(redactUrl('/sbc/session?%zz=1&token=secret')).toBe('/sbc/session?%zz=1&token=[REDACTED]');
  });
});

/**
 * Sends the headers and half of a body, then closes the connection as a client that gives up
 * would, or (`stall`) sends nothing more until the server's request timeout cuts it.
 */
async function abandonIngest(requestId: string, { stall = false } = {}): Promise<void> {
  const socket = connect(server.port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    `POST /sbc/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nX-Request-Id: ${requestId}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"sessions": [',
  );
  if (stall) {
    socket.resume();
    await once(socket, 'close');
  } else {
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
  }
  for (let i = 0; i < 100 && !logLines.some((line) => line.includes(`"reqId":"${requestId}"`)); i++) await new Promise((r) => setTimeout(r, 20));
}

const linesOf = (requestId: string) => logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['reqId'] === requestId);

describe('a client that closes the connection in the middle of its body', () => {
  it('is logged at info level as a client abort, never as an unexpected error', async () => {
    await abandonIngest('abort-log');
    const lines = linesOf('abort-log');
    expect(lines.map((line) => line['msg'])).toEqual(['client closed the connection before its request was read', 'request']);
    expect(lines.every((line) => line['level'] === 30)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ route: '/sbc/ingest', status: 499 });
  });

  it('is counted under status 499 in the metrics, not 500', async () => {
    await abandonIngest('abort-metrics');
    const metrics = await call<string>(server, 'getMetrics', '/metrics');
    expect(metrics.body).toMatch(/sbc_http_requests_total\{method="POST",route="\/sbc\/ingest",status="499"\} [1-9]/);
    expect(metrics.body).not.toContain('status="500"');
  });

  it('is logged and counted under 408 when it stops sending and the server cuts it', async () => {
    await abandonIngest('abort-stalled', { stall: true });
    const lines = linesOf('abort-stalled');
    expect(lines.map((line) => line['msg'])).toEqual(['request body did not arrive in time', 'request']);
    expect(lines.at(-1)).toMatchObject({ level: 30, route: '/sbc/ingest', status: 408 });
  });
});

describe('the access log line', () => {
  /** A logger at `level` with a fixed clock, and the lines it wrote. */
  function fixedClockLogger(level: string) {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    return { logger: pino({ level, timestamp: () => ',"time":1764600000000', base: { service: 'sbc-session-api' } }, sink), lines };
  }
  /** A logger at info with pino's own clock (epoch milliseconds), and the lines it wrote. */
  function epochClockLogger() {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    return { logger: pino({ base: { service: 'sbc-session-api' } }, sink), lines };
  }
  const entry: AccessEntry = { reqId: 'r"1\\', method: 'GET', url: '/sbc/session/a%40b?x="é"\u0001', route: '/sbc/session/{id}', status: 200, ms: 0.125 };

  it("is the very line pino writes for logger.info(entry, 'request')", () => {
    const shaped = fixedClockLogger('info');
    const pinos = fixedClockLogger('info');
    accessLogger(shaped.logger)(entry);
    pinos.logger.info(entry, 'request');
    expect(shaped.lines).toEqual(pinos.lines);
    expect(JSON.parse(shaped.lines[0]!)).toMatchObject({ ...entry, level: 30, msg: 'request', service: 'sbc-session-api' });
  });

  it('is the very line pino writes when no field needs escaping', () => {
    const plain: AccessEntry = { reqId: '0f1e2d3c4b5a6978-1a', method: 'GET', url: '/sbc/session/a%40b?x=1', route: '/sbc/session/{id}', status: 200, ms: 1.5 };
    const shaped = fixedClockLogger('info');
    const pinos = fixedClockLogger('info');
    accessLogger(shaped.logger)(plain);
    pinos.logger.info(plain, 'request');
    expect(shaped.lines).toEqual(pinos.lines);
  });

  it('writes each duration as pino writes the number', () => {
    const shaped = fixedClockLogger('info');
    const pinos = fixedClockLogger('info');
    const write = accessLogger(shaped.logger);
    for (const ms of [0, 0.001, 0.05, 0.1, 0.125, 12.345, 999.999, 1000, 86_400_000.5, 1e-7, 1e21]) {
      write({ ...entry, ms });
      pinos.logger.info({ ...entry, ms }, 'request');
    }
    expect(shaped.lines).toEqual(pinos.lines);
  });

  it("carries pino's epoch time, new each millisecond", () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_764_600_000_123 });
    try {
      const shaped = epochClockLogger();
      const pinos = epochClockLogger();
      const write = accessLogger(shaped.logger);
      for (const step of [0, 0, 1, 1000]) {
        vi.advanceTimersByTime(step);
        write(entry);
        pinos.logger.info(entry, 'request');
      }
      expect(shaped.lines).toEqual(pinos.lines);
      expect(shaped.lines.map((line) => (JSON.parse(line) as { time: number }).time)).toEqual([1_764_600_000_123, 1_764_600_000_123, 1_764_600_000_124, 1_764_600_001_124]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('is not written by a logger above info', () => {
    const quiet = fixedClockLogger('warn');
    accessLogger(quiet.logger)(entry);
    expect(quiet.lines).toEqual([]);
  });
});
