import type { Contract } from '@sbc/contract';

/** One documented outcome of one operation: what the suite must see the server answer at least once. */
export interface DocumentedPair {
  operationId: string;
  /** `GET /sbc/session/{id}` */
  label: string;
  status: string;
}

/** Every (operation, documented status) pair of the contract, in document order. */
export function documentedPairs(contract: Contract): DocumentedPair[] {
  return [...contract.operations.values()].flatMap((op) =>
    op.responseStatuses.map((status) => ({ operationId: op.operationId, label: `${op.method.toUpperCase()} ${op.path}`, status })),
  );
}

export function pairKey(operationId: string, status: string | number): string {
  return `${operationId} ${status}`;
}
