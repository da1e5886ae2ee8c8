import type { AddressInfo } from 'node:net';
import { createServer, STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadContract } from '@sbc/contract';
import { createApp } from './app.js';
import { ApiError, badRequest, requestTimeout } from './errors.js';
import type { LogLevel } from './config.js';
import { EventHub } from './events/hub.js';
import { IngestQueue } from './ingest-queue.js';
import { lockDatabase, type InstanceLock } from './store/instance-lock.js';
import { runMaintenance, type MaintenanceTotals } from './jobs.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import type { RateLimitSettings } from './rate-limit.js';
import { databaseFailure, listenFailure, StartError } from './start-failure.js';
import { openStore, printableLocation, type StoreOptions } from './store/open-store.js';
import { isPostgresUrl } from './store/location.js';
import type { SessionStore } from './domain/session-store.js';

export interface ServerOptions {
  dbPath?: string;
  /** PostgreSQL connections of this server besides its event feed's (SQLite: unused). */
  dbPoolSize?: number;
  port?: number;
  host?: string;
  logLevel?: LogLevel;
  logger?: Logger;
  /** The clock of everything time-based: token expiry, events, retention, stale calls. */
  now?: () => Date;
  homeCountryCode?: string;
  retentionHours?: number;
  maxCallHours?: number;
  /** Seconds after which an end request that no SBC answered is logged as a warning. */
  endRequestTimeoutSeconds?: number;
  bodyLimit?: number;
  heartbeatSeconds?: number;
  /** Seconds between maintenance runs; 0 runs them only through `runMaintenance()`. */
  jobIntervalSeconds?: number;
  subscriberBufferLimit?: number;
  /** Open event streams per token, and in all; more get 429 `too_many_streams`. */
  maxStreamsPerToken?: number;
  maxStreams?: number;
  /** Bytes that the queued data of all event streams together may take. */
  streamBufferTotal?: number;
  /** Events a replay reads per turn of the event loop. */
  replayPageSize?: number;
  /** The built API reference served at /docs; by default the one of @sbc/docs. */
  docsFile?: string;
  /** The built console served at /console; by default the one of @sbc/console. */
  consoleDir?: string;
  /** How long close() waits for requests in flight before it cuts their connections. */
  shutdownTimeoutSeconds?: number;
  /** Requests per second per token on the operations that document 429; 0 turns the limit off. */
  rateLimitPerSecond?: number;
  /** How many of them a token may make at once. */
  rateLimitBurst?: number;
  /** How long a request (headers and body) may take to arrive; its headers get at most 10 s of it. */
  requestTimeoutSeconds?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  store: SessionStore;
  /** Runs the retention and stale-call job once, now. */
  runMaintenance(): Promise<MaintenanceTotals>;
  /** Stops accepting, ends event streams, lets requests in flight finish, closes the database. */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(options.logLevel ?? 'info');
  const now = options.now ?? (() => new Date());
  const metrics = new Metrics();
  const hub = new EventHub(
    {
      perToken: options.maxStreamsPerToken ?? 20,
      total: options.maxStreams ?? 1000,
      bufferTotal: options.streamBufferTotal ?? 64 * 1024 * 1024,
    },
    () => store.customerTree(),
    metrics,
  );
  const opened = await openDatabase(options.dbPath ?? './data/sessions.db', { events: hub, logger, poolSize: options.dbPoolSize });
  const { lock } = opened;
  const store = metrics.timedStore(opened.store);
  let shuttingDown = false;
  const maintenance = {
    store,
    logger,
    now,
    retentionHours: options.retentionHours ?? 24,
    maxCallHours: options.maxCallHours ?? 12,
    endRequestTimeoutSeconds: options.endRequestTimeoutSeconds ?? 60,
  };
  const app = createApp({
    store,
    hub,
    ingestQueue: new IngestQueue(store, now, metrics),
    logger,
    now,
    metrics,
    contract: loadContract(),
    homeCountryCode: options.homeCountryCode ?? '45',
    retentionHours: maintenance.retentionHours,
    heartbeatMs: (options.heartbeatSeconds ?? 15) * 1000,
    subscriberBufferLimit: options.subscriberBufferLimit ?? 1024 * 1024,
    replayPageSize: options.replayPageSize ?? 500,
    bodyLimit: options.bodyLimit ?? 2 * 1024 * 1024,
    rateLimit: rateLimitSettings(options),
    docsFile: options.docsFile ?? fileURLToPath(import.meta.resolve('@sbc/docs/index.html')),
    consoleDir: options.consoleDir ?? dirname(fileURLToPath(import.meta.resolve('@sbc/console/index.html'))),
    isShuttingDown: () => shuttingDown,
  });
  app.on('error', (error: unknown) => logger.debug({ err: error }, 'connection error'));

  const requestTimeoutMs = (options.requestTimeoutSeconds ?? 30) * 1000;
  const handleRequest = app.callback();
  const server = createServer(
    {
      // Answered by the app, with an Error body (Node's own 400 has none).
      requireHostHeader: false,
      // Deliberate bounds instead of Node's 60 s and 300 s, checked every second rather than every 30.
      headersTimeout: Math.min(headersTimeoutMs, requestTimeoutMs),
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: 1000,
    },
    // Koa answers its own failures (ctx.onerror), so the request's promise never rejects.
    (request, response) => void handleRequest(request, response),
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerUnparsableRequest(error, socket, requestTimeoutMs));
  const host = options.host ?? '127.0.0.1';
  try {
    await listen(server, options.port ?? 8080, host);
  } catch (error) {
    await store.close();
    lock?.release();
    throw listenFailure(error, host, options.port ?? 8080);
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const intervalMs = (options.jobIntervalSeconds ?? 60) * 1000;
  let jobRunning: Promise<unknown> = Promise.resolve();
  let jobBusy = false;
  const timer =
    intervalMs > 0
      ? setInterval(() => {
          // A run that drains a large backlog outlasts the interval: one run at a time.
          if (jobBusy) return;
          jobBusy = true;
          jobRunning = runMaintenance(maintenance)
            .catch((error: unknown) => logger.error({ err: error }, 'maintenance failed'))
            .finally(() => (jobBusy = false));
        }, intervalMs)
      : undefined;
  timer?.unref();

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    store,
    runMaintenance: () => runMaintenance(maintenance),
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        clearInterval(timer);
        hub.closeAll();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Keep-alive connections go idle as their last answer (an event stream too) finishes.
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        const deadline = setTimeout(() => server.closeAllConnections(), (options.shutdownTimeoutSeconds ?? 10) * 1000);
        await closed;
        clearInterval(idle);
        clearTimeout(deadline);
        await jobRunning;
        await store.close();
        lock?.release();
      })();
      return closing;
    },
  };
}

/**
 * The database, opened (a SQLite file only while no other server has it) only if it takes writes (a
 * read-only file opens and reads fine); a failure is one line for a person.
 */
async function openDatabase(dbPath: string, options: StoreOptions): Promise<{ store: SessionStore; lock: InstanceLock | undefined }> {
  let lock: InstanceLock | undefined;
  let store: SessionStore | undefined;
  try {
    // Several nodes share one PostgreSQL database by design: only a SQLite file is locked.
    if (!isPostgresUrl(dbPath)) lock = lockDatabase(dbPath);
    store = await openStore(dbPath, options);
    await store.checkWritable();
    return { store, lock };
  } catch (error) {
    await store?.close();
    lock?.release();
    throw error instanceof StartError ? error : databaseFailure(error, printableLocation(dbPath));
  }
}

/** The longest the request line and headers may take to arrive. */
const headersTimeoutMs = 10_000;

/**
 * Node answers a request it cannot parse (headers or URL over 16 KiB, broken HTTP) or that does
 * not arrive in time with a bare status line; this gives it the contract's Error body like every
 * other failure.
 */
function answerUnparsableRequest(error: NodeJS.ErrnoException, socket: Duplex, requestTimeoutMs: number): void {
  const answering = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (!socket.writable || error.code === 'ECONNRESET' || answering?.headersSent) {
    socket.destroy();
    return;
  }
  // A body that stops arriving leaves its request in the app, which logs it under this status.
  if (answering && error.code === 'ERR_HTTP_REQUEST_TIMEOUT') answering.statusCode = 408;
  const refusal =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new ApiError(431, 'headers_too_large', 'The request line and headers are larger than 16 KiB')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? requestTimeout(
            `The request did not arrive in time: headers within ${Math.min(headersTimeoutMs, requestTimeoutMs) / 1000} s, the whole request within ${requestTimeoutMs / 1000} s`,
          )
        : badRequest('bad_request', 'The request is not valid HTTP/1.1');
  const body = JSON.stringify(refusal.toBody());
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function rateLimitSettings({ rateLimitPerSecond = 100, rateLimitBurst = 200 }: ServerOptions): RateLimitSettings | undefined {
  return rateLimitPerSecond > 0 ? { requestsPerSecond: rateLimitPerSecond, burst: rateLimitBurst } : undefined;
}
