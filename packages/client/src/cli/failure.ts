// What went wrong, in one line a person understands, and the exit code that tells scripts
// which kind of failure it was.
import { SbcApiError, SbcNetworkError, SbcTimeoutError } from '../errors.js';

export const exitCodes = {
  ok: 0,
  /** A bug in the command line itself. */
  internal: 1,
  /** Wrong usage (a --url where the API is not), or input the API refused (400, 413, 415, 422). */
  usage: 2,
  /** No such session (or customer), or not in the caller's scope. */
  notFound: 3,
  /** No token, or a token refused (401) or not allowed (403). */
  auth: 4,
  /** The server failed (5xx, 409), or could not be reached in time. */
  server: 5,
} as const;

export class UsageError extends Error {}

/** An error the command line reports and exits with, already worded. */
export class Failure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** `subject` names what the command was about, e.g. `session not found: <callId>`. */
export function describeFailure(error: unknown, subject: { kind: string; id: string } | undefined, url: string): Failure {
  if (error instanceof Failure) return error;
  if (error instanceof UsageError || error instanceof RangeError) return new Failure(error.message, exitCodes.usage);
  if (error instanceof SbcTimeoutError) return new Failure(`no answer from ${url} within ${error.timeoutMs} ms`, exitCodes.server);
  if (error instanceof SbcNetworkError) return new Failure(`cannot reach ${url}: ${error.message}`, exitCodes.server);
  if (error instanceof SbcApiError) return describeApiError(error, subject, url);
  // A 2xx whose body is not JSON: something else answers at that address (a proxy's login page).
  if (error instanceof SyntaxError) return new Failure(`the answer from ${url} is not the API's JSON (${error.message}): is --url the API?`, exitCodes.server);
  return new Failure(`unexpected error: ${error instanceof Error ? error.stack ?? error.message : String(error)}`, exitCodes.internal);
}

function describeApiError(error: SbcApiError, subject: { kind: string; id: string } | undefined, url: string): Failure {
  const reference = error.requestId ? ` (request ${error.requestId})` : '';
  switch (error.status) {
    case 401:
      return new Failure(`token rejected: ${error.token}`, exitCodes.auth);
    case 403:
      return new Failure(`access denied: ${error.description}`, exitCodes.auth);
    case 404:
      // The API says `id` for an unknown session; anything else means the path itself is unknown there.
      if (error.token !== 'id') return new Failure(`${url} has no such API path (404 ${error.token}): the URL looks wrong; give the API's base URL, such as http://127.0.0.1:8080`, exitCodes.usage);
      return new Failure(subject ? `${subject.kind} not found: ${subject.id}` : `not found: ${error.description}`, exitCodes.notFound);
    case 400:
    case 413:
    case 415:
    case 422:
      return new Failure(`bad request: ${error.description}`, exitCodes.usage);
    default:
      return new Failure(`server error ${error.status} ${error.token}: ${error.description}${reference}`, exitCodes.server);
  }
}
