// The three ways a call fails: the API answered with an error, the network failed, or the
// answer took too long. Each is its own class so that callers (and the `sbc` command line)
// can tell them apart with instanceof.
import type { ErrorBody } from './types.js';

/** The API answered with a non-2xx status. */
export class SbcApiError extends Error {
  override readonly name = 'SbcApiError';
  /** The HTTP status. */
  readonly status: number;
  /** The operator's message token (`id`, `expired`, `limit`...), or `http_<status>` when the body is not the API's error. */
  readonly token: string;
  /** What went wrong, for a person. */
  readonly description: string;
  /** The request id to quote when reporting a problem (body `requestId` or `X-Request-Id`). */
  readonly requestId: string | undefined;
  /** The `Retry-After` header, when the server sent one. */
  readonly retryAfter: string | undefined;
  /** The error body as received. */
  readonly body: unknown;

  constructor(status: number, body: unknown, headers: { requestId?: string; retryAfter?: string } = {}) {
    const error = isErrorBody(body) ? body : undefined;
    const description = error?.description ?? describeForeignBody(status, body);
    super(`${status} ${error?.message ?? `http_${status}`}: ${description}`);
    this.status = status;
    this.token = error?.message ?? `http_${status}`;
    this.description = description;
    this.requestId = error?.requestId ?? headers.requestId;
    this.retryAfter = headers.retryAfter;
    this.body = body;
  }
}

/** The request never got an answer: connection refused or reset, DNS failure, aborted stream. */
export class SbcNetworkError extends Error {
  override readonly name = 'SbcNetworkError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No answer within `timeoutMs`. */
export class SbcTimeoutError extends Error {
  override readonly name = 'SbcTimeoutError';
  readonly timeoutMs: number;
  /** `what` names the call, e.g. `GET /sbc/session/{id}`. */
  constructor(timeoutMs: number, what: string) {
    super(`No answer to ${what} within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null) return false;
  const { message, description } = body as Record<string, unknown>;
  return typeof message === 'string' && typeof description === 'string';
}

// A proxy in front of the API may answer with HTML or nothing at all.
function describeForeignBody(status: number, body: unknown): string {
  const text = typeof body === 'string' ? body.replace(/\s+/g, ' ').trim() : '';
  if (text) return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return `HTTP ${status}`;
}
