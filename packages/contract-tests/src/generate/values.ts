import fc from 'fast-check';
import { isRecord, resolve, type Json } from '../spec/json-schema.js';

/** Longest free text generated where a schema sets no bound: long enough to be odd, short enough to be fast. */
const unboundedLength = 40;

/**
 * Values a JSON Schema (as the contract writes them) accepts. Generation follows the schema's
 * keywords; callers still filter through the contract's own validator, which has the last word.
 */
export function valueArbitrary(document: Json, node: unknown, depth = 0): fc.Arbitrary<unknown> {
  // Building an arbitrary is far dearer than drawing from it (stringMatching compiles the pattern): build each once.
  if (!isRecord(node)) return buildArbitrary(document, node, depth);
  let arbitrary = built.get(node);
  if (!arbitrary) built.set(node, (arbitrary = buildArbitrary(document, node, depth)));
  return arbitrary;
}

const built = new WeakMap<object, fc.Arbitrary<unknown>>();

function buildArbitrary(document: Json, node: unknown, depth: number): fc.Arbitrary<unknown> {
  const schema = resolve(document, node);
  if (!isRecord(schema) || depth > 8) return fc.constant(null);
  if (Array.isArray(schema['allOf'])) return valueArbitrary(document, mergeAll(document, schema), depth);
  const variants = (schema['anyOf'] ?? schema['oneOf']) as unknown[] | undefined;
  if (Array.isArray(variants)) {
    const { anyOf: _a, oneOf: _o, discriminator: _d, ...base } = schema;
    return fc.oneof(...variants.map((variant) => valueArbitrary(document, { ...base, ...(resolve(document, variant) as Json) }, depth + 1)));
  }
  if ('const' in schema) return fc.constant(schema['const']);
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]));
  const type: unknown = Array.isArray(schema['type']) ? schema['type'][0] : schema['type'];
  switch (type) {
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
      return fc.integer({ min: number(schema['minimum']) ?? -1_000_000, max: number(schema['maximum']) ?? 1_000_000 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: number(schema['minimum']) ?? -1e9, max: number(schema['maximum']) ?? 1e9 });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return arrayArbitrary(document, schema, depth);
    case 'object':
      return objectArbitrary(document, schema, depth);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringArbitrary(schema: Json): fc.Arbitrary<string> {
  const format = schema['format'];
  if (format === 'date-time') {
    return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2035-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
  }
  if (format === 'ipv4') return fc.ipV4();
  if (format === 'ipv6') return fc.ipV6();
  const minLength = number(schema['minLength']) ?? 0;
  const maxLength = number(schema['maxLength']) ?? Infinity;
  if (typeof schema['pattern'] === 'string') {
    return fc.stringMatching(new RegExp(schema['pattern'])).filter((s) => [...s].length >= minLength && [...s].length <= maxLength);
  }
  // Free text: any Unicode, sometimes at its longest allowed.
  const longest = Math.min(maxLength, unboundedLength);
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength, maxLength: longest }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: Math.min(maxLength, 255), maxLength: Math.min(maxLength, 255) }) },
  ).filter((s) => [...s].length >= minLength && [...s].length <= maxLength);
}

function arrayArbitrary(document: Json, schema: Json, depth: number): fc.Arbitrary<unknown[]> {
  const items = valueArbitrary(document, schema['items'] ?? {}, depth + 1);
  const minLength = number(schema['minItems']) ?? 0;
  const maxLength = Math.min(number(schema['maxItems']) ?? 4, minLength + 4);
  return schema['uniqueItems'] === true
    ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
    : fc.array(items, { minLength, maxLength });
}

function objectArbitrary(document: Json, schema: Json, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = isRecord(schema['properties']) ? schema['properties'] : {};
  const model = Object.fromEntries(Object.entries(properties).map(([name, sub]) => [name, valueArbitrary(document, sub, depth + 1)]));
  const required = Array.isArray(schema['required']) ? (schema['required'] as string[]).filter((name) => name in model) : [];
  return fc.record(model, { requiredKeys: required });
}

/** `allOf` as one schema: properties and required lists joined, other keywords of the later member win. */
function mergeAll(document: Json, schema: Json): Json {
  const { allOf, ...own } = schema;
  const members = [...(allOf as unknown[]).map((member) => resolve(document, member)), own].filter(isRecord);
  return members.reduce<Json>(
    (merged, member) => ({
      ...merged,
      ...member,
      properties: { ...(merged['properties'] as Json | undefined), ...(member['properties'] as Json | undefined) },
      required: [...((merged['required'] as string[] | undefined) ?? []), ...((member['required'] as string[] | undefined) ?? [])],
    }),
    {},
  );
}

function number(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
