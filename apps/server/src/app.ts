import { randomBytes } from 'node:crypto';
// Node's global `performance` is a getter that runs on every access; the module's object is not (timed per request).
import { performance } from 'node:perf_hooks';
import Koa, { type Context, type Middleware } from 'koa';
import { Authenticator, presentedToken } from './auth.js';
import { ApiError, badRequest, databaseUnavailable, internalError, methodNotAllowed, notReady } from './errors.js';
import { StoreUnavailableError } from './store/backend.js';
import { accessLogger, redactUrl } from './logger.js';
import { authentication, operationStep, type Handler, type Handlers, type OperationId } from './contract-operation.js';
import { RateLimiter, rateLimit, type RateLimitSettings } from './rate-limit.js';
import { RouteTable } from './route-table.js';
import { serveConsole } from './routes/console.js';
import { customerRoutes } from './routes/customers.js';
import type { RouteDeps } from './routes/deps.js';
import { eventRoutes } from './routes/events.js';
import { ingestRoutes } from './routes/ingest.js';
import { probeRoutes, serveDocs } from './routes/probes.js';
import { sessionRoutes } from './routes/sessions.js';
import { statsRoutes } from './routes/stats.js';
import { whoAmIRoutes } from './routes/whoami.js';

export interface AppOptions extends RouteDeps {
  bodyLimit: number;
  /** Requests per token; undefined turns the limit off. */
  rateLimit: RateLimitSettings | undefined;
}

/** The whole request path, top to bottom. */
export function createApp(options: AppOptions): Koa {
  const app = new Koa();
  app.use(everyRequest(options, routes(options).routes()));
  return app;
}

/**
 * What every request goes through, in one middleware (a Koa middleware each would cost every
 * request a dispatch and a promise per step): a request id; one access log line and metrics
 * sample; the HTTP version and shutdown checks; the route of its path and method; every failure
 * turned into the contract's `Error` body; and no caching of an answer to a request with a token.
 */
function everyRequest(options: AppOptions, route: (ctx: Context) => Promise<void> | void): Middleware {
  const logAccess = accessLog(options);
  return async (ctx) => {
    const start = performance.now();
    setRequestId(ctx);
    try {
      try {
        servedHttp(ctx);
        refuseWhileShuttingDown(ctx, options);
        await route(ctx);
      } catch (thrown) {
        answerError(ctx, thrown, options);
      }
      notStoredWithToken(ctx);
    } finally {
      logAccess(ctx, start);
    }
  };
}

const clientRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * This process's request ids: 64 random bits drawn at start, then a count. Unique across restarts
 * and nodes as a random UUID each would be, at a fraction of its cost; a request id need not be
 * unguessable (a client may choose its own).
 */
export const newRequestId = (() => {
  const processPart = randomBytes(8).toString('hex');
  let count = 0;
  return () => `${processPart}-${(++count).toString(36)}`;
})();

/** Keeps a sane `X-Request-Id` from the client, otherwise makes one; echoed on every answer. */
function setRequestId(ctx: Context): void {
  // The headers and the response as Node keeps them: Koa's accessors cost a lookup and an array each.
  const given = ctx.req.headers['x-request-id'];
  const requestId = typeof given === 'string' && clientRequestId.test(given) ? given : newRequestId();
  ctx.state['requestId'] = requestId;
  ctx.res.setHeader('X-Request-Id', requestId);
}

/** One log line and one metrics sample per request, by route template (never by raw id). */
function accessLog({ logger, metrics }: AppOptions): (ctx: Context, start: number) => void {
  const logLine = accessLogger(logger);
  return (ctx, start) => {
    // A double, not two BigInts a request: fractions of a µs are ample for milliseconds to three places.
    const seconds = (performance.now() - start) / 1e3;
    const route = (ctx.state['route'] as string | undefined) ?? 'unmatched';
    const { method, status } = ctx;
    metrics.observe(method, route, status, seconds);
    logLine({ reqId: ctx.state['requestId'] as string, method, url: redactUrl(ctx.originalUrl), route, status, ms: Math.round(seconds * 1e6) / 1000 });
  };
}

/**
 * An answer to a request that presented a token is that caller's data, or its refusal: no cache,
 * shared or the browser's, may keep it. Set after the answer is made, so that it is on every one
 * (errors and event streams too) and no handler can weaken it.
 */
function notStoredWithToken(ctx: Context): void {
  // A caller was found only from a token: no need to look for the token again.
  const withToken = ctx.state['principal'] !== undefined || presentedToken(ctx) !== undefined;
  if (withToken && !ctx.res.headersSent) ctx.res.setHeader('Cache-Control', 'no-store');
}

/** Every failure leaves as the contract's `Error` body; a bug is logged and hidden behind 500. */
function answerError(ctx: Context, thrown: unknown, { logger }: AppOptions): void {
  let error: ApiError;
  if (thrown instanceof ApiError) error = thrown;
  else if (thrown instanceof StoreUnavailableError) {
    logger.warn({ reqId: ctx.state['requestId'], err: thrown }, 'database unavailable');
    error = databaseUnavailable();
  } else if (clientWentAway(ctx, thrown)) {
    // Nobody is left to answer: counted and logged as the client's doing, not as a fault. The
    // server has set 408 when it cut a body that stopped arriving (and answered it itself).
    const timedOut = ctx.res.statusCode === 408;
    ctx.status = timedOut ? 408 : clientClosedRequest;
    logger.info({ reqId: ctx.state['requestId'] }, timedOut ? 'request body did not arrive in time' : 'client closed the connection before its request was read');
    return;
  } else {
    logger.error({ reqId: ctx.state['requestId'], err: thrown }, 'unexpected error');
    error = internalError();
  }
  ctx.status = error.status;
  ctx.set(error.headers);
  ctx.body = error.toBody(ctx.state['requestId'] as string);
}

/** nginx's "client closed request": the status under which such a request is logged and counted. */
const clientClosedRequest = 499;

/** The connection closed before the request (its body) had arrived whole. */
function clientWentAway(ctx: Context, thrown: unknown): boolean {
  return (thrown as NodeJS.ErrnoException | null)?.code === 'ECONNRESET' && !ctx.req.complete;
}

/**
 * HTTP/1.1, and HTTP/1.0, which nginx speaks to its upstreams unless told otherwise. Node would
 * also serve request lines that say HTTP/0.9 or HTTP/2.0, and refuse a 1.1 request without Host
 * with no Error body (it is told not to, so that this answer has one).
 */
function servedHttp(ctx: Context): void {
  const version = ctx.req.httpVersion;
  if (version !== '1.1' && version !== '1.0') throw badRequest('bad_request', `HTTP/${version} is not served: send HTTP/1.1`);
  if (version === '1.1' && ctx.req.headers.host === undefined) throw badRequest('bad_request', 'An HTTP/1.1 request must have a Host header');
}

function refuseWhileShuttingDown(ctx: Context, { isShuttingDown }: AppOptions): void {
  if (isShuttingDown()) {
    ctx.set('Connection', 'close');
    throw notReady('The server is shutting down');
  }
}

/** One route per operation of the contract; `/docs` and `/console` (static pages) are the only paths outside it. */
function routes(options: AppOptions): RouteTable {
  const authenticator = new Authenticator(options.store, options.now, options.metrics);
  const handlers: Handlers = {
    ...sessionRoutes(options),
    ...ingestRoutes(options),
    ...eventRoutes(options, authenticator),
    ...customerRoutes(options),
    ...statsRoutes(options),
    ...whoAmIRoutes(options),
    ...probeRoutes(options),
  };
  const rateLimiter = options.rateLimit && new RateLimiter(options.rateLimit);
  const table = new RouteTable();
  for (const op of options.contract.operations.values()) {
    const handler = handlers[op.operationId as OperationId] as Handler<OperationId> | undefined;
    if (!handler) throw new Error(`No handler for operation ${op.operationId}`);
    const authenticate = authentication(op, authenticator);
    const limit = rateLimit(op, rateLimiter, options.metrics);
    const operate = operationStep(op, handler, { bodyLimit: options.bodyLimit });
    const admitted = (ctx: Context, param: string | undefined) => {
      limit(ctx);
      return operate(ctx, param);
    };
    // `/sbc/session/` is a request whose id is missing, not an unknown path.
    table.add(op.path, op.method, (ctx, param) => {
      ctx.state['route'] = op.path;
      // A GET answers HEAD too; an event stream has no headers-only form.
      if (ctx.method === 'HEAD' && op.answersWithEventStream) throw methodNotAllowed('HEAD', ['GET'], ' (an event stream has no headers-only form)');
      // Synchronous for a token checked within the last second: no promise to wait on then.
      const authenticating = authenticate(ctx);
      return authenticating ? authenticating.then(() => admitted(ctx, param)) : admitted(ctx, param);
    }, { emptyParam: true });
  }
  table.add('/docs', 'get', (ctx) => {
    ctx.state['route'] = '/docs';
    return serveDocs(ctx, options.docsFile);
  });
  for (const path of ['/console', '/console/']) {
    table.add(path, 'get', (ctx) => {
      ctx.state['route'] = '/console';
      return serveConsole(ctx, options.consoleDir, undefined);
    });
  }
  table.add('/console/assets/{file}', 'get', (ctx, file) => {
    ctx.state['route'] = '/console/assets/{file}';
    return serveConsole(ctx, options.consoleDir, file ?? '');
  });
  return table;
}
