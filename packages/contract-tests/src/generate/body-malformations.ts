import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { OperationContract } from '@sbc/contract';
import { shapeOf, type Json, type SchemaShape } from '../spec/json-schema.js';
import type { GeneratedRequest } from '../spec/wire-request.js';
import { hasBody, withBody, type Malformation } from './malformation.js';
import { bodySchema, documentOf, type RequestContext } from './request-context.js';

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
  if (Array.isArray(node)) return (node as unknown[]).map((item, i) => (i === key ? replaceAt(item, rest, value) : item));
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

/** Sets one string property of the body to a value from `value`. */
function spoilStringField(value: fc.Arbitrary<string>): Malformation['spoil'] {
  return (context, op, valid) =>
    spoilBodyField(
      (shape) => [...shape.properties].filter(([, s]) => shapeOf(documentOf(context), s).types?.has('string')).map(([name]) => name),
      (object, name) => value.map((text) => ({ ...object, [name]: text })),
    )(context, op, valid);
}

function hasRequiredField(context: RequestContext, schema: unknown): boolean {
  return shapeOf(documentOf(context), schema).required.size > 0;
}

/** Spoilt bodies: not JSON, compressed, not UTF-8, the wrong media type, or JSON of the wrong shape. */
export const bodyMalformations: readonly Malformation[] = [
  {
    name: 'invalid JSON',
    refused: true,
    appliesTo: hasBody,
    spoil: (_c, _op, valid) =>
      fc.oneof(
        fc.integer({ min: 1, max: Math.max(1, valid.body!.length - 1) }).map((cut) => withBody(valid, valid.body!.subarray(0, cut))),
        // (The last two hold raw control characters inside a string, which JSON forbids.)
        fc
          .constantFrom('{', 'nul', "{'name':'x'}", '[1,]', 'NaN', '{"a":1}}', '\u0000', '{"name":"a\u0001b"}', '{"name":"line\nbreak"}')
          .map((text) => withBody(valid, Buffer.from(text))),
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
    name: 'compressed body',
    refused: true,
    appliesTo: hasBody,
    spoil: (_c, _op, valid) =>
      fc.constantFrom('gzip', 'deflate', 'br').map((encoding) => {
        const compress = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync }[encoding];
        const compressed = withBody(valid, compress(valid.body!));
        return { ...compressed, headers: { ...compressed.headers, 'content-encoding': encoding } };
      }),
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
    name: 'lone UTF-16 surrogate in a body string',
    refused: true,
    appliesTo: hasBody,
    spoil: spoilStringField(fc.constantFrom('\ud800', 'a\udc00b', '\ude00@10.0.0.1')),
  },
  {
    name: 'body larger than the limit',
    refused: true,
    appliesTo: hasBody,
    spoil: (_c, _op, valid) => fc.constant(withBody(valid, Buffer.from(JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024 + 10) })))),
  },
];
