// Runs one API call through openapi-fetch with the client's timeout, retry and error rules:
// a 2xx gives its data, anything else throws one of the errors of errors.ts.
import { SbcApiError, SbcNetworkError, SbcTimeoutError } from './errors.js';
import { retryableStatuses, retryDelayMs, sleep, type RetryPolicy } from './retry.js';

/** What openapi-fetch resolves to, reduced to what this module reads. */
export type FetchResult<D> = { data?: D; error?: unknown; response: Response };

export interface RequestRules {
  /** e.g. `GET /sbc/session/{id}`, for error messages. */
  what: string;
  /** The call may be sent again without changing the outcome. */
  retryable: boolean;
  timeoutMs: number;
  policy: RetryPolicy;
}

/** One attempt; the signal aborts it on timeout. */
export type Attempt<D> = (signal: AbortSignal | undefined) => Promise<FetchResult<D>>;

export async function runRequest<D>(rules: RequestRules, attempt: Attempt<D>): Promise<D> {
  for (let retry = 0; ; retry++) {
    const mayRetry = rules.retryable && retry < rules.policy.attempts;
    let result: FetchResult<D>;
    try {
      result = await withTimeout(rules, attempt);
    } catch (error) {
      if (mayRetry && error instanceof SbcNetworkError) {
        await sleep(retryDelayMs(retry, null, rules.policy) ?? 0);
        continue;
      }
      throw error;
    }
    const { response } = result;
    if (response.ok) return result.data as D;
    if (mayRetry && retryableStatuses.has(response.status)) {
      const delay = retryDelayMs(retry, response.headers.get('Retry-After'), rules.policy);
      if (delay !== undefined) {
        await sleep(delay);
        continue;
      }
    }
    throw apiError(response, result.error);
  }
}

export function apiError(response: Response, body: unknown): SbcApiError {
  return new SbcApiError(response.status, body, {
    requestId: response.headers.get('X-Request-Id') ?? undefined,
    retryAfter: response.headers.get('Retry-After') ?? undefined,
  });
}

/** Runs the attempt, turning a timeout into SbcTimeoutError and a failed fetch into SbcNetworkError. */
export async function withTimeout<D>(rules: Pick<RequestRules, 'what' | 'timeoutMs'>, attempt: Attempt<D>): Promise<FetchResult<D>> {
  const controller = rules.timeoutMs > 0 ? new AbortController() : undefined;
  const timer = controller && setTimeout(() => controller.abort(), rules.timeoutMs);
  try {
    return await attempt(controller?.signal);
  } catch (error) {
    if (controller?.signal.aborted) throw new SbcTimeoutError(rules.timeoutMs, rules.what);
    throw networkError(rules.what, error);
  } finally {
    clearTimeout(timer);
  }
}

export function networkError(what: string, error: unknown): Error {
  // A 2xx whose body is not JSON is the server's fault, not the network's: keep it as it is.
  if (error instanceof SyntaxError || error instanceof SbcNetworkError) return error;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new SbcNetworkError(`${what} failed: ${reason}`, { cause: error });
}
