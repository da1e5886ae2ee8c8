import type { Contract, OperationContract } from '@sbc/contract';
import { isRecord, resolve } from './json-schema.js';
import { splitTarget, type WireRequest } from './wire-request.js';

/**
 * What the contract says of a request: it is valid for an operation, invalid for it (with the
 * reason), or it names no documented path or method (the 404 and 405 every path may answer).
 */
export type RequestVerdict =
  | { kind: 'valid'; operation: OperationContract }
  | { kind: 'invalid'; operation: OperationContract; reason: string }
  | { kind: 'no-such-path'; reason: string }
  | { kind: 'method-not-allowed'; reason: string };

/** The query parameter that carries a token: a credential, not a parameter of any operation. */
export const tokenQueryParameter = 'token';

/** Finds the operation a request is for, by method and path template (raw segments, before decoding). */
export function matchOperation(contract: Contract, method: string, rawPath: string): OperationContract | 'no-such-path' | 'method-not-allowed' {
  const segments = rawPath.split('/');
  const onPath = [...contract.operations.values()].filter((op) => {
    const template = op.path.split('/');
    return template.length === segments.length && template.every((part, i) => (part.startsWith('{') ? true : part === segments[i]));
  });
  if (onPath.length === 0) return 'no-such-path';
  return onPath.find((op) => op.method === method.toLowerCase()) ?? 'method-not-allowed';
}

/** Checks a request the way a strict server built from the contract would, and says why it would refuse it. */
export function checkRequest(contract: Contract, request: WireRequest): RequestVerdict {
  const { path, query } = splitTarget(request.target);
  const operation = matchOperation(contract, request.method, path);
  if (operation === 'no-such-path') return { kind: operation, reason: `no documented path matches ${path}` };
  if (operation === 'method-not-allowed') return { kind: operation, reason: `${request.method} is not documented on ${path}` };
  const reason = problemOf(contract, operation, request, path, query);
  return reason === undefined ? { kind: 'valid', operation } : { kind: 'invalid', operation, reason };
}

function problemOf(contract: Contract, op: OperationContract, request: WireRequest, path: string, query: string | undefined): string | undefined {
  const pathParameters = decodePathParameters(op.path, path);
  if (typeof pathParameters === 'string') return pathParameters;
  const pathResult = op.parseParameters('path', pathParameters);
  if ('issue' in pathResult) return `path: ${pathResult.issue.description}`;

  const queryParameters = decodeQuery(query ?? '');
  if (typeof queryParameters === 'string') return queryParameters;
  const queryResult = op.parseParameters('query', queryParameters, [tokenQueryParameter]);
  if ('issue' in queryResult) return `query: ${queryResult.issue.description}`;

  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const headerResult = op.parseParameters('header', headers);
  if ('issue' in headerResult) return `header: ${headerResult.issue.description}`;

  if (op.requiresToken && !hasCredentials(headers, queryParameters)) return 'no credentials (Authorization, X-API-Key or ?token=)';
  return bodyProblem(contract, op, headers['content-type'], request.body);
}

function hasCredentials(headers: Record<string, string>, query: Record<string, string | string[]>): boolean {
  return /^Bearer \S+$/.test(headers['authorization'] ?? '') || Boolean(headers['x-api-key']) || typeof query[tokenQueryParameter] === 'string';
}

function decodePathParameters(template: string, rawPath: string): Record<string, string> | string {
  const names = template.split('/');
  const values = rawPath.split('/');
  const decoded: Record<string, string> = {};
  for (const [i, part] of names.entries()) {
    if (!part.startsWith('{')) continue;
    const value = decode(values[i] ?? '');
    if (value === undefined) return `path: ${values[i]} is not a valid percent-encoding of UTF-8`;
    decoded[part.slice(1, -1)] = value;
  }
  return decoded;
}

/** Parses a query string as `application/x-www-form-urlencoded`: `+` is a space, and repeats are kept. */
export function decodeQuery(query: string): Record<string, string | string[]> | string {
  const parameters: Record<string, string | string[]> = {};
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = decode((at === -1 ? pair : pair.slice(0, at)).replace(/\+/g, ' '));
    const value = decode((at === -1 ? '' : pair.slice(at + 1)).replace(/\+/g, ' '));
    if (name === undefined || value === undefined) return `query: ${pair} is not a valid percent-encoding of UTF-8`;
    const previous = parameters[name];
    parameters[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return parameters;
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function bodyProblem(contract: Contract, op: OperationContract, contentType: string | undefined, body: Buffer | undefined): string | undefined {
  const requestBody = resolve(contract.document, contract.document.paths[op.path]?.[op.method]?.requestBody);
  if (!isRecord(requestBody)) return undefined;
  const empty = body === undefined || body.length === 0;
  if (empty) return requestBody['required'] === true ? 'the body is required' : undefined;
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (!op.requestMediaTypes.includes(mediaType)) return `media type '${mediaType}' is not one of ${op.requestMediaTypes.join(', ')}`;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return 'the body is not UTF-8';
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'the body is not JSON';
  }
  const issue = op.validateBody(mediaType, value);
  return issue ? `body: ${issue.description}` : undefined;
}
