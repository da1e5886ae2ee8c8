import type { OperationContract } from '@sbc/contract';
import type fc from 'fast-check';
import { shapeOf } from '../spec/json-schema.js';
import { splitTarget, type GeneratedRequest } from '../spec/wire-request.js';
import { documentOf, type RequestContext } from './request-context.js';

/**
 * One way of spoiling a valid request. `refused` says whether the contract must refuse every
 * request it makes; those that are not (a traversal that decodes to a legal Call-ID) still must
 * get a documented answer and no 5xx.
 */
export interface Malformation {
  name: string;
  refused: boolean;
  appliesTo(op: OperationContract, context: RequestContext): boolean;
  spoil(context: RequestContext, op: OperationContract, valid: GeneratedRequest): fc.Arbitrary<GeneratedRequest>;
}

export const hasPathParameter = (op: OperationContract) => op.parameters.some((p) => p.in === 'path');
export const hasQueryParameter = (op: OperationContract) => op.parameters.some((p) => p.in === 'query');
export const hasHeaderParameter = (op: OperationContract) => op.parameters.some((p) => p.in === 'header');
export const hasBody = (op: OperationContract) => op.requestMediaTypes.length > 0;

export function withPathSegment(op: OperationContract, request: GeneratedRequest, segment: string): GeneratedRequest {
  const { path, query } = splitTarget(request.target);
  const at = op.path.split('/').findIndex((part) => part.startsWith('{'));
  const parts = path.split('/');
  parts[at] = segment;
  return { ...request, target: parts.join('/') + (query === undefined ? '' : `?${query}`) };
}

export function withQuery(request: GeneratedRequest, extra: string): GeneratedRequest {
  const { path, query } = splitTarget(request.target);
  return { ...request, target: `${path}?${query ? `${query}&` : ''}${extra}` };
}

export function withBody(request: GeneratedRequest, body: Buffer | undefined, contentType?: string | null): GeneratedRequest {
  const headers = { ...request.headers };
  if (contentType === null) delete headers['content-type'];
  else if (contentType !== undefined) headers['content-type'] = contentType;
  const { body: _old, ...rest } = request;
  return { ...rest, headers, ...(body ? { body } : {}) };
}

/** The request with this query parameter given these raw (already encoded) values instead of its own. */
export function withQueryValue(request: GeneratedRequest, name: string, ...values: string[]): GeneratedRequest {
  return withQuery(withoutQuery(request, name), values.map((value) => `${name}=${value}`).join('&'));
}

export function firstScalarQueryParameter(op: OperationContract): string {
  return op.parameters.find((p) => p.in === 'query' && p.schema['type'] !== 'array')!.name;
}

export function withoutQuery(request: GeneratedRequest, name: string): GeneratedRequest {
  const { path, query } = splitTarget(request.target);
  const kept = (query ?? '').split('&').filter((pair) => pair !== '' && pair.split('=')[0] !== name);
  return { ...request, target: kept.length > 0 ? `${path}?${kept.join('&')}` : path };
}

export function textQueryParameters(op: OperationContract, context: RequestContext): string[] {
  return op.parameters
    .filter((p) => p.in === 'query' && shapeOf(documentOf(context), p.schema).types?.has('string'))
    .map((p) => p.name);
}
