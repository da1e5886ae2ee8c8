/** A read-only view of an OpenAPI document good enough to walk it: plain JSON with local $refs. */
export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows `$ref`s (local JSON pointers only, as in a bundled document) to the node they name. */
export function resolve(document: Json, node: unknown): unknown {
  let current = node;
  for (let hops = 0; isRecord(current) && typeof current['$ref'] === 'string'; hops++) {
    if (hops > 32) throw new Error(`$ref cycle at ${String(current['$ref'])}`);
    current = current['$ref']
      .replace(/^#\/?/, '')
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((acc, key) => (isRecord(acc) ? acc[key] : undefined), document);
  }
  return current;
}

/** What a schema allows, with `allOf` merged: the parts of it that a compatibility check compares. */
export interface SchemaShape {
  /** JSON types allowed; undefined when the schema does not restrict the type. */
  types?: Set<string>;
  /** Allowed values (`enum` or `const`); undefined when not restricted. */
  values?: unknown[];
  properties: Map<string, unknown>;
  required: Set<string>;
  additionalPropertiesAllowed: boolean;
  items?: unknown;
  /** The alternatives of `anyOf`/`oneOf`. */
  variants?: unknown[];
  constraints: Record<string, unknown>;
}

const constraintKeywords = [
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'pattern',
  'format',
  'multipleOf',
] as const;
export type ConstraintKeyword = (typeof constraintKeywords)[number];

export function shapeOf(document: Json, node: unknown): SchemaShape {
  const schema = resolve(document, node);
  const shape: SchemaShape = { properties: new Map(), required: new Set(), additionalPropertiesAllowed: true, constraints: {} };
  if (!isRecord(schema)) return shape;
  const members = Array.isArray(schema['allOf']) ? schema['allOf'].map((member) => shapeOf(document, member)) : [];
  for (const member of members) mergeInto(shape, member);
  mergeInto(shape, ownShape(schema));
  return shape;
}

function ownShape(schema: Json): SchemaShape {
  const type = schema['type'];
  const values = Array.isArray(schema['enum']) ? schema['enum'] : 'const' in schema ? [schema['const']] : undefined;
  const variants = (Array.isArray(schema['anyOf']) && schema['anyOf']) || (Array.isArray(schema['oneOf']) && schema['oneOf']) || undefined;
  const properties = isRecord(schema['properties']) ? schema['properties'] : {};
  return {
    ...(type !== undefined && { types: new Set(Array.isArray(type) ? (type as string[]) : [type as string]) }),
    ...(values && { values }),
    properties: new Map(Object.entries(properties)),
    required: new Set(Array.isArray(schema['required']) ? (schema['required'] as string[]) : []),
    additionalPropertiesAllowed: schema['additionalProperties'] !== false && schema['unevaluatedProperties'] !== false,
    ...('items' in schema && { items: schema['items'] }),
    ...(variants && { variants }),
    constraints: Object.fromEntries(constraintKeywords.filter((k) => k in schema).map((k) => [k, schema[k]])),
  };
}

function mergeInto(target: SchemaShape, source: SchemaShape): void {
  if (source.types) target.types = target.types ? new Set([...target.types].filter((t) => source.types!.has(t))) : source.types;
  if (source.values) target.values = target.values ? target.values.filter((v) => source.values!.includes(v)) : source.values;
  for (const [name, schema] of source.properties) target.properties.set(name, schema);
  for (const name of source.required) target.required.add(name);
  target.additionalPropertiesAllowed &&= source.additionalPropertiesAllowed;
  if (source.items !== undefined) target.items = source.items;
  if (source.variants) target.variants = source.variants;
  Object.assign(target.constraints, source.constraints);
}
