import fc from 'fast-check';
import type { OperationContract } from '@sbc/contract';
import { shapeOf, type Json, type SchemaShape } from '../spec/json-schema.js';
import { splitTarget, type GeneratedRequest } from '../spec/wire-request.js';
import { bodySchema, documentOf, refusesMalformedInput, type RequestContext } from './request-context.js';
import { validRequestArbitrary } from './valid-requests.js';

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

const hasPathParameter = (op: OperationContract) => op.parameters.some((p) => p.in === 'path');
const hasQueryParameter = (op: OperationContract) => op.parameters.some((p) => p.in === 'query');
const hasHeaderParameter = (op: OperationContract) => op.parameters.some((p) => p.in === 'header');
const hasBody = (op: OperationContract) => op.requestMediaTypes.length > 0;

function withPathSegment(op: OperationContract, request: GeneratedRequest, segment: string): GeneratedRequest {
  const { path, query } = splitTarget(request.target);
  const at = op.path.split('/').findIndex((part) => part.startsWith('{'));
  const parts = path.split('/');
  parts[at] = segment;
  return { ...request, target: parts.join('/') + (query === undefined ? '' : `?${query}`) };
}

function withQuery(request: GeneratedRequest, extra: string): GeneratedRequest {
  const { path, query } = splitTarget(request.target);
  return { ...request, target: `${path}?${query ? `${query}&` : ''}${extra}` };
}

function withBody(request: GeneratedRequest, body: Buffer | undefined, contentType?: string | null): GeneratedRequest {
  const headers = { ...request.headers };
  if (contentType === null) delete headers['content-type'];
  else if (contentType !== undefined) headers['content-type'] = contentType;
  const { body: _old, ...rest } = request;
  return { ...rest, headers, ...(body ? { body } : {}) };
}

/** Where the objects of a JSON body sit (the body, and the first item of each array of objects in it), with their schemas. */
function objectsOf(context: RequestContext, schema: unknown, value: unknown, at: Array<string | number> = []): Array<{ at: Array<string | number>; schema: unknown }> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const shape = shapeOf(documentOf(context), schema);
  const found = [{ at, schema }];
  for (const [name, sub] of shape.properties) {
    const child = (value as Json)[name];
    const items = shapeOf(documentOf(context), sub).items;
    if (Array.isArray(child) && items !== undefined) found.push(...objectsOf(context, items, child[0], [...at, name, 0]));
  }
  return found;
}

/** Spoils one property of one object of the body: `pick` names the candidates, `change` returns the spoilt object. */
function spoilBodyField(
  pick: (shape: SchemaShape) => string[],
  change: (object: Json, name: string, schema: unknown) => fc.Arbitrary<Json>,
) {
  return (context: RequestContext, op: OperationContract, valid: GeneratedRequest): fc.Arbitrary<GeneratedRequest> => {
    const schema = bodySchema(context, op, valid.headers['content-type']!);
    const body = JSON.parse(valid.body!.toString('utf8')) as Json;
    const targets = objectsOf(context, schema, body)
      .map((target) => ({ ...target, shape: shapeOf(documentOf(context), target.schema) }))
      .map((target) => ({ ...target, names: pick(target.shape) }))
      .filter((target) => target.names.length > 0);
    if (targets.length === 0) return fc.constant(valid);
    return fc.constantFrom(...targets).chain((target) =>
      fc.constantFrom(...target.names).chain((name) => {
        const object = target.at.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], body) as Json;
        return change(object, name, target.shape.properties.get(name)).map((spoilt) =>
          withBody(valid, Buffer.from(JSON.stringify(replaceAt(body, target.at, spoilt)))),
        );
      }),
    );
  };
}

function replaceAt(node: unknown, at: Array<string | number>, value: unknown): unknown {
  if (at.length === 0) return value;
  const [key, ...rest] = at;
  if (Array.isArray(node)) return node.map((item, i) => (i === key ? replaceAt(item, rest, value) : item));
  return { ...(node as Json), [key!]: replaceAt((node as Json)[key as string], rest, value) };
}

/** A JSON value of a type the schema does not allow. */
function wrongTypeValue(context: RequestContext, schema: unknown): fc.Arbitrary<unknown> {
  const types = shapeOf(documentOf(context), schema).types ?? new Set<string>();
  const candidates: Array<[string, unknown]> = [
    ['string', 'a string'],
    ['integer', 42],
    ['number', 1.5],
    ['boolean', true],
    ['object', { nested: 1 }],
    ['array', [1, 2]],
    ['null', null],
  ];
  const wrong = candidates.filter(([type]) => !types.has(type) && !(type === 'integer' && types.has('number')));
  return fc.constantFrom(...wrong.map(([, value]) => value));
}

const badPercentEncodings = ['%', '%zz', '%2', 'a%G1', '%C0%AF', '%FF%FE', '%ED%A0%80', 'call%E2%82'];
const controlCharacters = ['%00', '%01', '%0A', '%0D%0A', '%1B', '%7F'];

export const malformations: readonly Malformation[] = [
  {
    name: 'bad percent-encoding in the path (non-UTF-8 bytes)',
    refused: true,
    appliesTo: (op) => hasPathParameter(op) && refusesMalformedInput(op),
    spoil: (_c, op, valid) => fc.constantFrom(...badPercentEncodings).map((segment) => withPathSegment(op, valid, segment)),
  },
  {
    name: 'empty path parameter',
    refused: true,
    appliesTo: (op) => hasPathParameter(op) && refusesMalformedInput(op),
    spoil: (_c, op, valid) => fc.constant(withPathSegment(op, valid, '')),
  },
  {
    name: 'huge path parameter',
    refused: true,
    appliesTo: (op) => hasPathParameter(op) && refusesMalformedInput(op),
    spoil: (_c, op, valid) => fc.integer({ min: 256, max: 4000 }).map((n) => withPathSegment(op, valid, 'x'.repeat(n))),
  },
  {
    name: 'path traversal',
    refused: false,
    appliesTo: () => true,
    spoil: (_c, op, valid) => {
      const inSegment = fc
        .constantFrom('..%2F..%2Fetc%2Fpasswd', '%2e%2e', '..', '.', '..%5C..%5Cwindows', '%2F', '..;', '%252e%252e%252f')
        .map((segment) => withPathSegment(op, valid, segment));
      const outOfPath = fc
        .constantFrom('/../etc/passwd', '/..', '/x/../../customer', '/.%2e/', '//', '/')
        .map((suffix) => ({ ...valid, target: `${op.path.split('{')[0]!.replace(/\/$/, '')}${suffix}` }));
      return hasPathParameter(op) ? fc.oneof(inSegment, outOfPath) : outOfPath;
    },
  },
  {
    name: 'undocumented method',
    refused: true,
    appliesTo: () => true,
    spoil: (context, op, valid) => {
      const documented = [...context.contract.operations.values()].filter((o) => o.path === op.path).map((o) => o.method.toUpperCase());
      const others = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'].filter((m) => !documented.includes(m));
      return others.length === 0 ? fc.constant(valid) : fc.constantFrom(...others).map((method) => ({ ...valid, method }));
    },
  },
  {
    name: 'query parameter of the wrong type',
    refused: true,
    appliesTo: (op) => hasQueryParameter(op) && refusesMalformedInput(op),
    spoil: (_c, op, valid) =>
      fc
        .tuple(
          fc.constantFrom(...op.parameters.filter((p) => p.in === 'query').map((p) => p.name)),
          fc.constantFrom('ten', '1.5', '-1', '99999999999999999999', 'maybe', 'X', '', 'nope,,', '%00', '[]', '{}', 'true%00'),
        )
        .map(([name, value]) => withQueryValue(valid, name, value)),
  },
  {
    name: 'unknown query parameter',
    refused: true,
    appliesTo: (op) => refusesMalformedInput(op) && op.requiresToken,
    spoil: (_c, _op, valid) => fc.constantFrom('frobnicate=1', 'limit_=5', 'LIMIT=5', '%00=1', 'a[b]=c').map((extra) => withQuery(valid, extra)),
  },
  {
    name: 'repeated query parameter',
    refused: true,
    appliesTo: (op) => hasQueryParameter(op) && refusesMalformedInput(op),
    spoil: (_c, op, valid) => fc.constant(withQueryValue(valid, firstScalarQueryParameter(op), '1', '2')),
  },
  {
    name: 'very long query string',
    refused: true,
    appliesTo: (op) => hasQueryParameter(op) && refusesMalformedInput(op),
    spoil: longQuery(2000, 12_000),
  },
  {
    name: 'query string longer than the server reads (over 16 KiB)',
    refused: true,
    appliesTo: (op) => hasQueryParameter(op) && refusesMalformedInput(op),
    spoil: longQuery(17_000, 64_000),
  },
  {
    name: 'path in another letter case',
    refused: true,
    appliesTo: () => true,
    spoil: (_c, _op, valid) => {
      const { path, query } = splitTarget(valid.target);
      return fc.constant({ ...valid, target: path.toUpperCase() + (query === undefined ? '' : `?${query}`) });
    },
  },
  {
    name: 'control characters in the query',
    refused: true,
    // (Numbers and booleans are coerced the JavaScript way, which trims white space: `limit=1%0A` is 1.)
    appliesTo: (op, context) => textQueryParameters(op, context).length > 0 && refusesMalformedInput(op),
    spoil: (context, op, valid) =>
      fc
        .tuple(fc.constantFrom(...textQueryParameters(op, context)), fc.constantFrom(...controlCharacters))
        .map(([name, control]) => withQueryValue(valid, name, `1${control}`)),
  },
  {
    name: 'bad percent-encoding in the query',
    refused: true,
    appliesTo: (op) => hasQueryParameter(op) && refusesMalformedInput(op),
    spoil: (_c, op, valid) =>
      fc
        .tuple(fc.constantFrom(...op.parameters.filter((p) => p.in === 'query').map((p) => p.name)), fc.constantFrom(...badPercentEncodings))
        .map(([name, bad]) => withQueryValue(valid, name, bad)),
  },
  {
    name: 'malformed header parameter',
    refused: true,
    appliesTo: (op) => hasHeaderParameter(op) && refusesMalformedInput(op),
    spoil: (_c, op, valid) => {
      const name = op.parameters.find((p) => p.in === 'header')!.name;
      return fc.constantFrom('abc', '-1', '1'.repeat(40), '', ' 1 2').map((value) => ({ ...valid, headers: { ...valid.headers, [name]: value } }));
    },
  },
  {
    name: 'invalid JSON',
    refused: true,
    appliesTo: hasBody,
    spoil: (_c, _op, valid) =>
      fc.oneof(
        fc.integer({ min: 1, max: Math.max(1, valid.body!.length - 1) }).map((cut) => withBody(valid, valid.body!.subarray(0, cut))),
        fc.constantFrom('{', 'nul', "{'name':'x'}", '[1,]', 'NaN', '{"a":1}}', '\u0000').map((text) => withBody(valid, Buffer.from(text))),
      ),
  },
  {
    name: 'empty body',
    refused: true,
    appliesTo: hasBody,
    spoil: (_c, _op, valid) => fc.constant(withBody(valid, undefined)),
  },
  {
    name: 'wrong content type',
    refused: true,
    appliesTo: hasBody,
    spoil: (_c, _op, valid) =>
      fc
        .constantFrom<string | null>('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', null)
        .map((type) => withBody(valid, valid.body, type)),
  },
  {
    name: 'non-UTF-8 bytes in the body',
    refused: true,
    appliesTo: hasBody,
    spoil: (_c, _op, valid) =>
      fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xfe, 0xff], [0xc3, 0x28]).map((bytes) => {
        const text = valid.body!.toString('utf8');
        const at = text.indexOf('":"') + 3; // inside the first string value
        return withBody(
          valid,
          at > 2 ? Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bytes), Buffer.from(text.slice(at))]) : Buffer.concat([Buffer.from(bytes), valid.body!]),
        );
      }),
  },
  {
    name: 'body field of the wrong type',
    refused: true,
    appliesTo: hasBody,
    spoil: (context, op, valid) =>
      spoilBodyField(
        (shape) => [...shape.properties.keys()],
        (object, name, schema) => wrongTypeValue(context, schema).map((value) => ({ ...object, [name]: value })),
      )(context, op, valid),
  },
  {
    name: 'missing required body field',
    refused: true,
    appliesTo: (op, context) => hasBody(op) && op.requestMediaTypes.every((type) => hasRequiredField(context, bodySchema(context, op, type))),
    spoil: spoilBodyField(
      (shape) => [...shape.required],
      (object, name) => fc.constant(Object.fromEntries(Object.entries(object).filter(([key]) => key !== name))),
    ),
  },
  {
    name: 'extra body field',
    refused: true,
    appliesTo: hasBody,
    spoil: spoilBodyField(
      () => ['__proto__', 'unknownField', 'constructor'],
      (object, name) => fc.constant({ ...object, [name]: 'x' }),
    ),
  },
  {
    name: 'huge string in the body',
    refused: true,
    appliesTo: hasBody,
    spoil: spoilStringField(fc.tuple(fc.integer({ min: 600, max: 200_000 }), fc.constantFrom('x', 'é', '𝄞')).map(([n, unit]) => unit.repeat(n))),
  },
  {
    name: 'empty string in the body',
    refused: true,
    appliesTo: hasBody,
    spoil: spoilStringField(fc.constant('')),
  },
  {
    name: 'body larger than the limit',
    refused: true,
    appliesTo: hasBody,
    spoil: (_c, _op, valid) => fc.constant(withBody(valid, Buffer.from(JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024 + 10) })))),
  },
];

/** The request with this query parameter given these raw (already encoded) values instead of its own. */
function withQueryValue(request: GeneratedRequest, name: string, ...values: string[]): GeneratedRequest {
  return withQuery(withoutQuery(request, name), values.map((value) => `${name}=${value}`).join('&'));
}

function firstScalarQueryParameter(op: OperationContract): string {
  return op.parameters.find((p) => p.in === 'query' && p.schema['type'] !== 'array')!.name;
}

/** A query parameter whose value is a run of digits this many characters long. */
function longQuery(min: number, max: number): Malformation['spoil'] {
  return (_c, op, valid) => fc.integer({ min, max }).map((n) => withQueryValue(valid, firstScalarQueryParameter(op), '9'.repeat(n)));
}

function withoutQuery(request: GeneratedRequest, name: string): GeneratedRequest {
  const { path, query } = splitTarget(request.target);
  const kept = (query ?? '').split('&').filter((pair) => pair !== '' && pair.split('=')[0] !== name);
  return { ...request, target: kept.length > 0 ? `${path}?${kept.join('&')}` : path };
}

/** Malformed requests for one operation: a valid one, spoilt one way, labelled with the way. */
export function malformedRequestArbitrary(context: RequestContext, op: OperationContract, only?: Malformation): fc.Arbitrary<GeneratedRequest> {
  const applicable = (only ? [only] : malformations).filter((m) => m.appliesTo(op, context) && !context.leftOut?.includes(m.name));
  const weighted = applicable.map((m) => ({
    // A body over the limit is 2 MB on the wire: a few of those prove the point.
    weight: m.name === 'body larger than the limit' ? 1 : 10,
    arbitrary: validRequestArbitrary(context, op).chain((valid) => m.spoil(context, op, valid).map((request) => ({ ...request, malformation: m.name }))),
  }));
  return fc.oneof(...weighted);
}

/** Sets one string property of the body to a value from `value`. */
function spoilStringField(value: fc.Arbitrary<string>): Malformation['spoil'] {
  return (context, op, valid) =>
    spoilBodyField(
      (shape) => [...shape.properties].filter(([, s]) => shapeOf(documentOf(context), s).types?.has('string')).map(([name]) => name),
      (object, name) => value.map((text) => ({ ...object, [name]: text })),
    )(context, op, valid);
}

function textQueryParameters(op: OperationContract, context: RequestContext): string[] {
  return op.parameters
    .filter((p) => p.in === 'query' && shapeOf(documentOf(context), p.schema).types?.has('string'))
    .map((p) => p.name);
}

function hasRequiredField(context: RequestContext, schema: unknown): boolean {
  return shapeOf(documentOf(context), schema).required.size > 0;
}

export function applicableMalformations(op: OperationContract, context: RequestContext): Malformation[] {
  return malformations.filter((m) => m.appliesTo(op, context));
}
