// The signed-in token and the client made with it. The token is kept in sessionStorage: it lives
// as long as this browser tab, is not shared with other tabs and is gone when the tab closes.
import { createSbcClient, SbcApiError, SbcNetworkError, SbcTimeoutError, type SbcClient } from '@sbc/client';

const tokenKey = 'sbc-console-token';

export function storedToken(): string | undefined {
  return sessionStorage.getItem(tokenKey) ?? undefined;
}

export function storeToken(token: string): void {
  sessionStorage.setItem(tokenKey, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(tokenKey);
}

/** A client of this origin's API (the console is served by the API server itself). */
export function clientFor(token: string): SbcClient {
  return createSbcClient({ baseUrl: window.location.origin, token });
}

export interface Problem {
  /** One line for a person. */
  title: string;
  /** The API's own words (its message token and description), or the network's. */
  detail: string;
}

const tokenProblems: Record<string, string> = {
  credentials_invalid: 'No token was given.',
  invalid_token: 'This token is unknown or has been revoked.',
  expired: 'This token has expired.',
  access_denied: 'This token may not do this.',
  too_many_requests: 'Too many requests with this token; wait a moment.',
  too_many_streams: 'Too many open screens with this token; close one.',
};

export function describeProblem(error: unknown): Problem {
  if (error instanceof SbcApiError) {
    return { title: tokenProblems[error.token] ?? `The API refused: ${error.token}`, detail: `${error.status} ${error.token}: ${error.description}` };
  }
  if (error instanceof SbcTimeoutError) return { title: 'The API did not answer in time.', detail: error.message };
  if (error instanceof SbcNetworkError) return { title: 'The API cannot be reached.', detail: error.message };
  return { title: 'Something went wrong.', detail: error instanceof Error ? error.message : String(error) };
}

/** A refusal that signing in again may cure: the token is unknown, revoked or expired. */
export function isSignInProblem(error: unknown): boolean {
  return error instanceof SbcApiError && error.status === 401;
}
