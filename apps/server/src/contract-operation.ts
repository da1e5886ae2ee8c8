// The request pipeline of a contract operation: authentication, then parameters and body parsed
// and checked against the contract, then the operation's handler.
import type { OperationContract, operations } from '@sbc/contract';
import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import { accessCheck, presentedToken, type Authenticator, type Principal } from './auth.js';
import { accessDenied, ApiError, badRequest, unprocessable, unsupportedMediaType } from './errors.js';

export type OperationId = keyof operations;
type Parameters<Op extends OperationId, In extends 'path' | 'query' | 'header'> = NonNullable<operations[Op]['parameters'][In]>;
type RequestBody<Op extends OperationId> = operations[Op] extends { requestBody: { content: infer C } } ? C[keyof C] : undefined;

/**
 * The caller of an operation: an operation that takes a token documents 401, and its handler runs
 * only once `authentication` has found the caller; the probes take none (see `takesToken`).
 */
type Caller<Op extends OperationId> = operations[Op]['responses'] extends { 401: unknown } ? Principal : undefined;

/** Whether an operation takes a token, in the terms `Caller` reads the generated types in. */
export const takesToken = (op: OperationContract): boolean => op.responseStatuses.includes('401');

/** A request as the contract parsed it: parameters and body typed from the generated types, and the caller. */
export interface OperationInput<Op extends OperationId> {
  path: Parameters<Op, 'path'>;
  query: Parameters<Op, 'query'>;
  header: Parameters<Op, 'header'>;
  body: RequestBody<Op>;
  principal: Caller<Op>;
}

/** Query parameters that have a default in the contract, which parsing fills in. */
export type WithDefaults<T, K extends keyof T> = T & Required<Pick<T, K>>;

export type Handler<Op extends OperationId> = (ctx: Context, input: OperationInput<Op>) => Promise<void> | void;

/** One handler for every operation of the contract: a missing one does not compile. */
export type Handlers = { [Op in OperationId]: Handler<Op> };

export interface OperationOptions {
  bodyLimit: number;
}

/**
 * One step of an operation's route. The steps run one after the other inside a single
 * middleware, and a step with nothing to wait for returns no promise: a Koa middleware or an
 * async function each would cost every request a dispatch and a promise per step.
 */
export type RouteStep = (ctx: Context) => Promise<void> | void;

/** Who is calling, and may they call this: the caller is kept as `ctx.state.principal` for the steps after. */
export function authentication(op: OperationContract, authenticator: Authenticator): RouteStep {
  // The handlers' types promise a caller exactly where the contract documents 401.
  if (op.requiresToken !== takesToken(op)) throw new Error(`Operation ${op.operationId} takes a token but does not document 401, or the other way round`);
  if (!op.requiresToken) return () => {};
  const mayCall = accessCheck(op.accessLevels);
  const admit = (ctx: Context, principal: Principal) => {
    if (!mayCall(principal)) throw accessDenied();
    ctx.state['principal'] = principal;
  };
  return (ctx) => {
    const principal = authenticator.authenticate(presentedToken(ctx));
    if (principal instanceof Promise) return principal.then((found) => admit(ctx, found));
    admit(ctx, principal);
  };
}

/**
 * The steps every contract operation goes through after `authentication`, in order: are the
 * parameters what the contract says, is the body what it says; then the handler. `param` is the
 * path's parameter as the router decoded it.
 */
export function operationStep<Op extends OperationId>(
  op: OperationContract,
  handler: Handler<Op>,
  options: OperationOptions,
): (ctx: Context, param: string | undefined) => Promise<void> | void {
  const pathParameter = op.parameters.find((p) => p.in === 'path')?.name;
  const declaresQuery = op.parameters.some((p) => p.in === 'query');
  const declaresHeader = op.parameters.some((p) => p.in === 'header');
  return (ctx, param) => {
    const principal = ctx.state['principal'] as Principal | undefined;
    const path = parse(op, 'path', pathParameter === undefined || param === undefined ? {} : pathParameters(pathParameter, param));
    // Nothing given where nothing is declared has nothing to check nor defaults to fill in; Koa's
    // `ctx.query` parses the URL and the query string, and with no `?` there is nothing in it.
    const given = ctx.req.url!.includes('?');
    const query = declaresQuery || given ? parse(op, 'query', given ? ctx.query : noParameters) : noParameters;
    // Headers are always given, but none of those an operation does not declare is checked.
    const header = declaresHeader ? parse(op, 'header', ctx.headers) : noParameters;
    // The contract's validators have just checked these against the schemas the types come from.
    const run = (body: unknown) => handler(ctx, { path, query, header, body, principal } as OperationInput<Op>);
    return op.requestMediaTypes.length > 0 ? readBody(ctx, op, options.bodyLimit).then(run) : run(undefined);
  };
}

const noParameters: Record<string, string> = Object.freeze({});

/**
 * `{ [name]: value }`, without the literal: V8 defines a computed key of a literal in its runtime,
 * and on the lookup path that cost 3 times a plain store (a loop of 3 million) and, in some
 * processes, about 25,000 instructions a request in map transitions (lookup-instructions).
 */
function pathParameters(name: string, value: string): Record<string, string> {
  const parameters: Record<string, string> = {};
  parameters[name] = value;
  return parameters;
}

function parse(op: OperationContract, location: 'path' | 'query' | 'header', raw: Record<string, string | string[] | undefined>): Record<string, unknown> {
  if (location === 'path' && op.parameters.some((p) => p.in === 'path' && !raw[p.name])) {
    // `/sbc/session/{id}` -> "Session id not found in request URI", as the operator words it.
    const noun = /\/([a-z]+)\/\{/.exec(op.path)?.[1] ?? 'resource';
    throw badRequest('bad_request', `${noun[0]!.toUpperCase()}${noun.slice(1)} id not found in request URI`);
  }
  const parsed = op.parseParameters(location, raw, location === 'query' ? ['token'] : []);
  if ('issue' in parsed) throw badRequest(parsed.issue.field || 'bad_request', parsed.issue.description);
  if (location !== 'header') return parsed.value;
  // Headers arrive lower-cased; handlers see them under the names the contract declares.
  const headers: Record<string, unknown> = {};
  for (const p of op.parameters) if (p.in === 'header' && parsed.value[p.name.toLowerCase()] !== undefined) headers[p.name] = parsed.value[p.name.toLowerCase()];
  return headers;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads, size-limits, parses and validates the body against the operation's media types. */
async function readBody(ctx: Context, op: OperationContract, limit: number): Promise<unknown> {
  const mediaType = (ctx.get('content-type').split(';')[0] ?? '').trim().toLowerCase();
  if (!op.requestMediaTypes.includes(mediaType)) throw unsupportedMediaType(`Send the body as ${op.requestMediaTypes.join(' or ')}`);
  // Bodies are read as they arrive: a compressed one would only fail later as "not JSON".
  const encoding = ctx.get('content-encoding').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw unsupportedMediaType(`Content-Encoding ${encoding} is not accepted: send the body uncompressed`);
  }
  const tooLarge = () => new ApiError(413, 'payload_too_large', `Request body larger than ${limit} bytes`, { Connection: 'close' });
  if (Number(ctx.get('content-length') || 0) > limit) throw tooLarge();
  const raw = await bodyBytes(ctx.req, limit, tooLarge);
  let body: unknown;
  try {
    // fatal: bytes that are not UTF-8 are refused, never silently replaced.
    body = JSON.parse(utf8.decode(raw));
  } catch {
    throw badRequest('bad_request', 'The body is not valid JSON in UTF-8');
  }
  const issue = op.validateBody(mediaType, body);
  if (issue) throw unprocessable(issue.field, issue.description);
  return body;
}

/**
 * The body's bytes, read with plain listeners: an async iterator over the request cost each
 * ingest request about 15 µs of CPU, a third of reading, parsing and checking its body (perf, on
 * single PATCHes). As that iterator did, a body over the limit, an error or a close before the end
 * destroys the request and fails the read.
 */
function bodyBytes(req: IncomingMessage, limit: number, tooLarge: () => ApiError): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error?: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', settle).off('close', onClose);
      if (error === undefined) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      else {
        req.destroy();
        reject(error);
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) settle(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => settle();
    const onClose = () => settle(req.errored ?? Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    if (req.readableEnded) return settle();
    req.on('data', onData).on('end', onEnd).on('error', settle).on('close', onClose);
  });
}
