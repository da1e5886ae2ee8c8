import fc from 'fast-check';
import type { Contract } from '@sbc/contract';
import { oddCallId } from '../generate/valid-requests.js';
import { valueArbitrary } from '../generate/values.js';
import type { Json } from '../spec/json-schema.js';

/** Arguments for the client's methods, drawn from the contract's schemas (what a caller may legally pass). */
export function clientInputs(contract: Contract) {
  const document = contract.document as unknown as Json;
  const schema = <T>(name: string) => valueArbitrary(document, { $ref: `#/components/schemas/${name}` }) as fc.Arbitrary<T>;
  /** The query parameters of an operation as an object of optional properties. */
  const query = <T>(operationId: string) => {
    const parameters = contract.operation(operationId).parameters.filter((p) => p.in === 'query');
    return fc.record(Object.fromEntries(parameters.map((p) => [p.name, valueArbitrary(document, p.schema)])), { requiredKeys: [] }) as fc.Arbitrary<T>;
  };
  return {
    // '', '.' and '..' cannot be addressed in a URL path; the client refuses them before sending.
    callId: fc.oneof(schema<string>('CallId'), oddCallId).filter((id) => id !== '' && id !== '.' && id !== '..'),
    customerId: schema<string>('HexId'),
    report: schema<Record<string, unknown>>('SessionReport'),
    ingestReports: fc.array(schema<Record<string, unknown> & { callId: string }>('IngestReport'), { minLength: 1, maxLength: 4 }),
    customer: schema<{ name: string }>('CustomerInput'),
    query,
  };
}
