import type { Contract, OperationContract } from '@sbc/contract';
import { isRecord, resolve, type Json } from '../spec/json-schema.js';

/** What request generators need besides the contract: credentials to send, and ids that exist on the server. */
export interface RequestContext {
  contract: Contract;
  /** Headers that present a token (`authorization: Bearer ...`), added to every request that needs one. */
  credentials: Record<string, string>;
  /** Values of path parameters that name something stored, by parameter schema title (`CallId`, `HexId`). */
  knownIds: Partial<Record<string, string[]>>;
  /** Malformations not generated (by name), each for a stated reason the run reports. */
  leftOut?: readonly string[];
}

export function documentOf(context: RequestContext): Json {
  return context.contract.document;
}

/** The request body schema of an operation for one media type. */
export function bodySchema(context: RequestContext, op: OperationContract, mediaType: string): unknown {
  const requestBody = resolve(documentOf(context), context.contract.document.paths[op.path]?.[op.method]?.requestBody);
  const content = isRecord(requestBody) && isRecord(requestBody['content']) ? requestBody['content'] : {};
  const media = content[mediaType];
  return isRecord(media) ? media['schema'] : undefined;
}

/** The title of a schema after its $refs (`CallId`), which says what kind of id a path parameter holds. */
export function schemaTitle(context: RequestContext, schema: unknown): string | undefined {
  const resolved = resolve(documentOf(context), schema);
  return isRecord(resolved) && typeof resolved['title'] === 'string' ? resolved['title'] : undefined;
}

/** Does the operation document any client error it could answer a malformed request with? */
export function refusesMalformedInput(op: OperationContract): boolean {
  return op.responseStatuses.some((status) => ['400', '413', '415', '422'].includes(status));
}
