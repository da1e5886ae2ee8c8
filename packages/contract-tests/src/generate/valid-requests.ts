import fc from 'fast-check';
import type { OperationContract, ParameterObject } from '@sbc/contract';
import { checkRequest } from '../spec/request-check.js';
import type { GeneratedRequest } from '../spec/wire-request.js';
import { bodySchema, documentOf, schemaTitle, type RequestContext } from './request-context.js';
import { valueArbitrary } from './values.js';

/** Call-IDs as RFC 3261 allows them, with every character that needs percent-encoding in a URL. */
export const oddCallId = fc
  .array(fc.constantFrom('a', '7', '@', '/', '?', '%', '#', '[', ']', '{', '}', '<', '>', ':', ';', '"', '~', '+', ' ', '..', 'æ', '€', '𝄞', '\t'), {
    minLength: 1,
    maxLength: 30,
  })
  .map((parts) => parts.join(''));

/** Requests the contract accepts for one operation (validated by the contract itself before use). */
export function validRequestArbitrary(context: RequestContext, op: OperationContract): fc.Arbitrary<GeneratedRequest> {
  const document = documentOf(context);
  const pathParameters = op.parameters.filter((p) => p.in === 'path');
  const queryParameters = op.parameters.filter((p) => p.in === 'query');
  const headerParameters = op.parameters.filter((p) => p.in === 'header');

  const pathValues = fc.tuple(...pathParameters.map((p) => pathValue(context, p)));
  const query = fc
    .tuple(...queryParameters.map((p) => fc.option(valueArbitrary(document, p.schema), { nil: undefined })), fc.boolean())
    .map((values) => serialiseQuery(queryParameters, values.slice(0, -1), values.at(-1) as boolean));
  const headers = fc
    .tuple(...headerParameters.map((p) => fc.option(valueArbitrary(document, p.schema), { nil: undefined })))
    .map((values) => Object.fromEntries(headerParameters.flatMap((p, i) => (values[i] === undefined ? [] : [[p.name, String(values[i])]]))));
  const body = op.requestMediaTypes.length === 0 ? fc.constant(undefined) : bodyArbitrary(context, op);

  return fc
    .record({ pathValues, query, headers, body })
    .map(({ pathValues: values, query: q, headers: h, body: b }) => {
      const target = pathParameters.reduce((text, p, i) => text.replace(`{${p.name}}`, encodeURIComponent(values[i]!)), op.path);
      const value = b && plausible(b.value, { callId: pathParameters.length > 0 ? values[0] : undefined, parents: context.knownIds['HexId'] ?? [] });
      return {
        operationId: op.operationId,
        method: op.method.toUpperCase(),
        target: q ? `${target}?${q}` : target,
        headers: { ...(op.requiresToken ? context.credentials : {}), ...h, ...(b ? { 'content-type': b.mediaType } : {}) },
        ...(b ? { body: Buffer.from(JSON.stringify(value)) } : {}),
      };
    })
    .filter((request) => checkRequest(context.contract, request).kind === 'valid');
}

function pathValue(context: RequestContext, parameter: ParameterObject): fc.Arbitrary<string> {
  const fromSchema = valueArbitrary(documentOf(context), parameter.schema) as fc.Arbitrary<string>;
  const title = schemaTitle(context, parameter.schema);
  const known = (title && context.knownIds[title]) || [];
  const choices: Array<fc.WeightedArbitrary<string>> = [{ weight: 2, arbitrary: fromSchema }];
  if (known.length > 0) choices.push({ weight: 3, arbitrary: fc.constantFrom(...known) });
  if (title === 'CallId') choices.push({ weight: 2, arbitrary: oddCallId });
  return fc.oneof(...choices);
}

/** Form-style query serialisation (arrays comma-joined); a space goes out as `+` or `%20` by the coin's toss. */
function serialiseQuery(parameters: ParameterObject[], values: unknown[], plusForSpace: boolean): string {
  return parameters
    .flatMap((p, i) => {
      const value = values[i];
      if (value === undefined) return [];
      const text = Array.isArray(value) ? value.join(',') : String(value);
      const encoded = encodeURIComponent(text);
      return [`${p.name}=${plusForSpace ? encoded.replace(/%20/g, '+') : encoded}`];
    })
    .join('&');
}

function bodyArbitrary(context: RequestContext, op: OperationContract): fc.Arbitrary<{ mediaType: string; value: unknown }> {
  return fc.constantFrom(...op.requestMediaTypes).chain((mediaType) =>
    valueArbitrary(documentOf(context), bodySchema(context, op, mediaType)).map((value) => ({ mediaType, value })),
  );
}

/**
 * Nudges a generated body towards what the server accepts beyond the schema, so that most valid
 * requests succeed rather than all meeting the same 422: a report's times in call order
 * (started, answered, ended), a `callId` equal to the path's, a `parentReseller` that exists.
 */
function plausible(value: unknown, facts: { callId: string | undefined; parents: readonly string[] }): unknown {
  if (Array.isArray(value)) return value.map((item) => plausible(item, { ...facts, callId: undefined }));
  if (typeof value !== 'object' || value === null) return value;
  const record = { ...(value as Record<string, unknown>) };
  if (Array.isArray(record['sessions'])) record['sessions'] = plausible(record['sessions'], facts);
  const times = (['started', 'answered', 'ended'] as const).filter((k) => typeof record[k] === 'string');
  const sorted = times.map((k) => record[k] as string).sort();
  times.forEach((k, i) => (record[k] = sorted[i]));
  if (facts.callId !== undefined && 'callId' in record) record['callId'] = facts.callId;
  if ('parentReseller' in record) {
    if (facts.parents[0] !== undefined) record['parentReseller'] = facts.parents[0];
    else delete record['parentReseller'];
  }
  return record;
}
