import type { Error as ErrorBody } from '@sbc/contract';

/**
 * The one error type of the API: an HTTP status, the operator's message token (a code word or
 * the offending field's name) and a sentence for a person. The error middleware turns it into
 * the contract's `Error` body; anything else thrown becomes a 500 `internal_error`.
 */
export class ApiError extends Error {
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly token: string,
    readonly description: string,
    headers: Record<string, string> = {},
  ) {
    super(`${status} ${token}: ${description}`);
    this.name = 'ApiError';
    this.headers = headers;
  }

  toBody(requestId?: string): ErrorBody {
    return requestId === undefined
      ? { status: this.status, message: this.token, description: this.description }
      : { status: this.status, message: this.token, description: this.description, requestId };
  }
}

export const badRequest = (token: string, description: string) => new ApiError(400, token, description);
export const unprocessable = (field: string, description: string) => new ApiError(422, field || 'body', description);
export const notFound = (description: string) => new ApiError(404, 'not_found', description);
export const sessionNotFound = () => new ApiError(404, 'id', 'Session not found');
export const customerNotFound = () => new ApiError(404, 'id', 'Customer not found');
export const accessDenied = () => new ApiError(403, 'access_denied', 'Insufficient access level');
export const internalError = () => new ApiError(500, 'internal_error', 'Internal error');
export const notReady = (description: string) => new ApiError(503, 'not_ready', description);
/** The database cannot be reached (restarting, failing over): nothing was done, and the request may be sent again. */
export const databaseUnavailable = (retryAfterSeconds = 1) =>
  new ApiError(503, 'database_unavailable', `The database is unavailable; nothing was changed, retry after ${retryAfterSeconds} s`, {
    'Retry-After': String(retryAfterSeconds),
  });
export const tooManyRequests = (retryAfterSeconds: number) =>
  new ApiError(429, 'too_many_requests', `Too many requests with this token; retry after ${retryAfterSeconds} s`, { 'Retry-After': String(retryAfterSeconds) });
export const unsupportedMediaType = (description: string) => new ApiError(415, 'unsupported_media_type', description);
export const methodNotAllowed = (method: string, allowed: readonly string[], why = '') =>
  new ApiError(405, 'method_not_allowed', `${method} is not allowed here${why}; use ${allowed.join(', ')}`, { Allow: allowed.join(', ') });
export const requestTimeout = (description: string) => new ApiError(408, 'request_timeout', description);
export const tooManyStreams = (retryAfterSeconds: number, description: string) =>
  new ApiError(429, 'too_many_streams', description, { 'Retry-After': String(retryAfterSeconds) });
