import type { OperationContract } from '@sbc/contract';
import type { Context, Middleware } from 'koa';
import { authenticate, authorize, presentedToken, type Principal } from './auth.js';
import { ApiError, badRequest, unprocessable } from './errors.js';
import type { SessionStore } from './store/session-store.js';

/** A request as the contract parsed it: typed parameters, a validated body, and the caller. */
export interface OperationInput {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  header: Record<string, unknown>;
  body: unknown;
  principal: Principal | undefined;
}

export type Handler = (ctx: Context, input: OperationInput) => Promise<void> | void;

export interface OperationOptions {
  store: SessionStore;
  now: () => Date;
  bodyLimit: number;
}

/**
 * The steps every contract operation goes through, in order: who is calling, may they call
 * this, are the parameters what the contract says, is the body what it says; then the handler.
 */
export function operationMiddleware(op: OperationContract, handler: Handler, options: OperationOptions): Middleware {
  return async (ctx) => {
    let principal: Principal | undefined;
    if (op.requiresToken) {
      principal = await authenticate(options.store, presentedToken(ctx), options.now());
      authorize(principal, op.accessLevels);
    }
    const path = parse(op, 'path', ctx.params as Record<string, string>);
    const query = parse(op, 'query', ctx.query);
    const header = parse(op, 'header', ctx.headers);
    const body = op.requestMediaTypes.length > 0 ? await readBody(ctx, op, options.bodyLimit) : undefined;
    await handler(ctx, { path, query, header, body, principal });
  };
}

function parse(op: OperationContract, location: 'path' | 'query' | 'header', raw: Record<string, string | string[] | undefined>): Record<string, unknown> {
  if (location === 'path' && op.parameters.some((p) => p.in === 'path' && !raw[p.name])) {
    throw badRequest('bad_request', 'Session id not found in request URI');
  }
  const parsed = op.parseParameters(location, raw, location === 'query' ? ['token'] : []);
  if ('issue' in parsed) throw badRequest(parsed.issue.field || 'bad_request', parsed.issue.description);
  return parsed.value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads, size-limits, parses and validates the body against the operation's media types. */
async function readBody(ctx: Context, op: OperationContract, limit: number): Promise<unknown> {
  const mediaType = (ctx.get('content-type').split(';')[0] ?? '').trim().toLowerCase();
  if (!op.requestMediaTypes.includes(mediaType)) {
    throw new ApiError(415, 'unsupported_media_type', `Send the body as ${op.requestMediaTypes.join(' or ')}`);
  }
  const tooLarge = () => new ApiError(413, 'payload_too_large', `Request body larger than ${limit} bytes`, { Connection: 'close' });
  if (Number(ctx.get('content-length') || 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    // fatal: bytes that are not UTF-8 are refused, never silently replaced.
    body = JSON.parse(utf8.decode(Buffer.concat(chunks)));
  } catch {
    throw badRequest('bad_request', 'The body is not valid JSON in UTF-8');
  }
  const issue = op.validateBody(mediaType, body);
  if (issue) throw unprocessable(issue.field, issue.description);
  return body;
}
