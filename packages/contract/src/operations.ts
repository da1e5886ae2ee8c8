import { createRequire } from 'node:module';
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type addFormatsModule from 'ajv-formats';
import {
  httpMethods,
  openapiDocument,
  type HttpMethod,
  type OpenApiDocument,
  type MediaTypeObject,
  type OperationObject,
  type ParameterObject,
  type ResponseObject,
} from './document.js';

/**
 * Ajv and its formats, loaded when the first validator is compiled rather than with this module:
 * loading them is the largest part of a server's start, and a probe needs no validator.
 * Both are CommonJS, so they load synchronously, as compiling on first use needs.
 */
function loadAjv(): { Ajv2020: typeof Ajv2020; addFormats: typeof addFormatsModule.default } {
  const require = createRequire(import.meta.url);
  const { Ajv2020: ajv } = require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 };
  // ajv-formats' module object is its function (with a `default` beside it).
  const addFormats = require('ajv-formats') as typeof addFormatsModule.default;
  return { Ajv2020: ajv, addFormats };
}

/** What is wrong with a value, named the way the operator's API names errors: by field. */
export interface ValidationIssue {
  /** The offending field or parameter (top-level name), or '' when the value as a whole is wrong. */
  field: string;
  /** A sentence for a person, naming the full path of the offending value. */
  description: string;
}

export type ParameterLocation = 'path' | 'query' | 'header';

export interface OperationContract {
  operationId: string;
  method: HttpMethod;
  /** The OpenAPI path template, e.g. `/sbc/session/{id}`. */
  path: string;
  /** The operation's `x-access-level`: operator levels, `SBC`, or `LEVEL+FEATURE`. */
  accessLevels: readonly string[];
  /** False for operations with `security: []` (the probes). */
  requiresToken: boolean;
  parameters: readonly ParameterObject[];
  /** Media types the request body may have; empty when the operation takes no body. */
  requestMediaTypes: readonly string[];
  /** Documented response statuses, as in the document ('200', '404', ...). */
  responseStatuses: readonly string[];
  /** True when an answer is a `text/event-stream`: a stream that stays open. */
  answersWithEventStream: boolean;
  /**
   * Coerces raw parameters of one location (strings from the URL or headers) to their
   * schema types and validates them. Unknown query parameters are an issue; `ignore` names
   * ones that belong to something else (the `token` credential).
   */
  parseParameters(
    location: ParameterLocation,
    raw: Record<string, string | string[] | undefined>,
    ignore?: readonly string[],
  ): { value: Record<string, unknown> } | { issue: ValidationIssue };
  validateBody(mediaType: string, body: unknown): ValidationIssue | null;
  /** Checks a response against the document: status, media type and body. */
  validateResponse(status: number, mediaType: string | undefined, body: unknown): ValidationIssue | null;
}

export interface Contract {
  document: OpenApiDocument;
  operations: ReadonlyMap<string, OperationContract>;
  operation(operationId: string): OperationContract;
  /** A validator for a named component schema, e.g. `IngestReport`. */
  schema(name: string): (value: unknown) => ValidationIssue | null;
}

const DOC_ID = 'sbc-openapi.json';

/**
 * A name the client made up (an unknown field or parameter) is quoted at most this long: an error
 * that names it must stay within the `Error` schema's `maxLength`s however long the name was.
 */
const quotedNameLength = 64;
const quoted = (name: string) => (name.length > quotedNameLength ? `${name.slice(0, quotedNameLength)}...` : name);

function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(quoted(extra));
  return parts.reduce((acc, p) => (/^[0-9]+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** Turns Ajv's first error into the operator's style: the top-level field, and a sentence. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined, what = 'body'): ValidationIssue {
  const composite = errors?.find((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const error = composite ?? errors?.[0];
  if (!error) return { field: '', description: `Invalid ${what}` };
  let extra: string | undefined;
  let text = error.message ?? 'is invalid';
  if (error.keyword === 'required') {
    extra = (error.params as { missingProperty: string }).missingProperty;
    text = 'is required';
  } else if (error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties') {
    extra =
      (error.params as { additionalProperty?: string; unevaluatedProperty?: string }).additionalProperty ??
      (error.params as { unevaluatedProperty?: string }).unevaluatedProperty;
    text = 'is not a known property';
  } else if (composite) {
    const parent = error.parentSchema as { title?: string; description?: string } | undefined;
    text = `must be a valid ${parent?.title ?? 'value'}${parent?.description ? ` (${parent.description.split('\n')[0]})` : ''}`;
  } else if (error.keyword === 'enum') {
    text = `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  } else if (error.keyword === 'pattern') {
    const parent = error.parentSchema as { title?: string } | undefined;
    text = parent?.title ? `is not a valid ${parent.title} (${error.message})` : text;
  }
  const path = fieldPath(error.instancePath, extra);
  const field = path.split(/[.[]/)[0] ?? '';
  return { field, description: path ? `${path} ${text}` : `The ${what} ${text}` };
}

/**
 * Where a JSON value holds a string (or a property name) with a lone UTF-16 surrogate, such as
 * `"\ud800"` in JSON: such text has no UTF-8 form, so it could be stored but never named again (a
 * Call-ID in a URL). The path is written as `describeErrors` writes it; undefined when none.
 */
function loneSurrogateAt(value: unknown, path = ''): string | undefined {
  const lone = /\p{Cs}/u;
  if (typeof value === 'string') return lone.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = loneSurrogateAt(item, `${path}[${i}]`);
      if (found !== undefined) return found;
    }
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (lone.test(key)) return at;
      const found = loneSurrogateAt(item, at);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function lazy<K, V>(build: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    let built = cache.get(key);
    if (built === undefined && !cache.has(key)) cache.set(key, (built = build(key)));
    return built as V;
  };
}

/**
 * Parsed parameters: an object that inherits nothing, so that `?__proto__=1` or `?constructor=1`
 * is a parameter like any other (and an unknown one) and a missing `toString` is missing. Made by
 * a constructor whose prototype has none rather than by `Object.create(null)`: V8 keeps such an
 * object in dictionary mode, and every read of it, the validator's included, was a hash lookup.
 */
const ParameterValues = function ParameterValues() {} as unknown as new () => Record<string, unknown>;
ParameterValues.prototype = Object.create(null) as object;

function once<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Loads the contract: one Ajv (JSON Schema 2020-12) instance per purpose, compiled from the bundle. */
export function loadContract(document: OpenApiDocument = openapiDocument): Contract {
  // Bodies and responses are JSON already: validated as they are. Parameters arrive as strings: coerced.
  const ajvs = once(() => {
    const { Ajv2020, addFormats } = loadAjv();
    const options = { strict: false, allErrors: false, verbose: true, discriminator: false, validateSchema: false } as const;
    const built = { strict: new Ajv2020(options), coercing: new Ajv2020({ ...options, coerceTypes: true, useDefaults: true }) };
    for (const ajv of [built.strict, built.coercing]) {
      addFormats(ajv);
      ajv.addSchema(document, DOC_ID);
    }
    return built;
  });
  // Schemas are taken out of the document (following $refs of responses and parameters, which
  // JSON Schema cannot) and compiled with their own refs pointed back into it.
  const compile = (ajv: 'strict' | 'coercing', schema: unknown): ValidateFunction => ajvs()[ajv].compile(rebase(schema));

  const operations = new Map<string, OperationContract>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of httpMethods) {
      const op = item[method];
      if (!op) continue;
      operations.set(op.operationId, buildOperation(path, method, op, item.parameters ?? []));
    }
  }

  function buildOperation(
    path: string,
    method: HttpMethod,
    op: OperationObject,
    shared: ParameterObject[],
  ): OperationContract {
    const parameters = [...shared, ...(op.parameters ?? [])].map((p) => resolve<ParameterObject>(p));
    // Validators compile on first use: a server starts fast and pays only for what it serves.
    const parameterValidator = lazy((location: ParameterLocation) => {
      const key = (p: ParameterObject) => (location === 'header' ? p.name.toLowerCase() : p.name);
      const own = parameters.filter((p) => p.in === location);
      return compile('coercing', {
        type: 'object',
        properties: Object.fromEntries(own.map((p) => [key(p), p.schema])),
        required: own.filter((p) => p.required).map(key),
        // Headers carry much besides our parameters; the URL only what we document.
        additionalProperties: location === 'header',
      });
    });
    const requestContent = op.requestBody?.content ?? {};
    const bodyValidator = lazy((mediaType: string) => compile('strict', requestContent[mediaType]?.schema ?? {}));
    const responseMedia = new Map<string, MediaTypeObject>();
    for (const [status, response] of Object.entries(op.responses)) {
      const content = resolve<ResponseObject>(response).content;
      if (!content) responseMedia.set(`${status} `, {});
      for (const [mediaType, media] of Object.entries(content ?? {})) responseMedia.set(`${status} ${mediaType}`, media);
    }
    // An event stream's or a text body is a string on the wire; only JSON bodies have a schema to check here.
    const responseValidator = lazy((key: string) => {
      const schema = responseMedia.get(key)?.schema;
      return schema && key.endsWith(' application/json') ? compile('strict', schema) : null;
    });
    const arrayParams = new Set(parameters.filter((p) => p.schema['type'] === 'array').map((p) => p.name));
    const numericParams = new Map(
      parameters.filter((p) => p.schema['type'] === 'integer' || p.schema['type'] === 'number').map((p) => [p.name, p.schema['type'] as string]),
    );
    // Headers arrive lower-cased; an issue names them as the document does (`Last-Event-ID`).
    const declaredIn = new Set(parameters.map((p) => p.in));
    const headerNames = new Map(parameters.filter((p) => p.in === 'header').map((p) => [p.name.toLowerCase(), p.name]));

    return {
      operationId: op.operationId,
      method,
      path,
      accessLevels: op['x-access-level'] ?? [],
      requiresToken: !(Array.isArray(op.security) && op.security.length === 0),
      parameters,
      requestMediaTypes: Object.keys(requestContent),
      responseStatuses: Object.keys(op.responses),
      answersWithEventStream: [...responseMedia.keys()].some((key) => key.endsWith(' text/event-stream')),
      parseParameters(location, raw, ignore = []) {
        // Headers carry much besides parameters, and none of them is an issue: with none declared, nothing to check.
        if (location === 'header' && headerNames.size === 0) return { value: new ParameterValues() };
        const value = new ParameterValues();
        // Not `Object.entries`: V8 makes its pairs in its C++ runtime, about 1,300 instructions for
        // a lookup's one path parameter (callgrind).
        for (const name in raw) {
          const v = raw[name];
          if (v === undefined || ignore.includes(name)) continue;
          if (Array.isArray(v) && location !== 'header') {
            return { issue: { field: name.slice(0, quotedNameLength), description: `${quoted(name)} is given more than once` } };
          }
          const text = Array.isArray(v) ? v.join(',') : v;
          const numeric = location === 'header' ? undefined : numericParams.get(name);
          // Coercion would read `0x10`, `1e2` and ` 16` as numbers: the contract's numbers are decimal.
          if (numeric !== undefined && !(numeric === 'integer' ? /^-?[0-9]+$/ : /^-?[0-9]+(\.[0-9]+)?$/).test(text)) {
            return { issue: { field: name, description: `${name} must be ${numeric === 'integer' ? 'an integer' : 'a number'} in decimal digits` } };
          }
          value[name] = arrayParams.has(name) ? text.split(',') : text;
        }
        // Nothing given where nothing is declared passes, with no defaults to fill in: no validator to compile or run.
        if (!declaredIn.has(location) && Object.keys(value).length === 0) return { value };
        const validate = parameterValidator(location);
        if (validate(value)) return { value };
        const issue = describeErrors(validate.errors, `${location} parameters`);
        const declared = location === 'header' ? headerNames.get(issue.field) : undefined;
        if (declared === undefined) return { issue };
        return { issue: { field: declared, description: issue.description.replace(issue.field, declared) } };
      },
      validateBody(mediaType, body) {
        if (!(mediaType in requestContent)) return { field: '', description: `Media type ${mediaType} is not accepted` };
        const lone = loneSurrogateAt(body);
        if (lone !== undefined) {
          return { field: lone.split(/[.[]/)[0] ?? '', description: `${lone || 'The body'} holds a lone UTF-16 surrogate: it is not valid Unicode text` };
        }
        const validate = bodyValidator(mediaType);
        return validate(body) ? null : describeErrors(validate.errors);
      },
      validateResponse(status, mediaType, body) {
        const key = String(status);
        const documented = op.responses[key] ?? op.responses[`${key[0]}XX`] ?? op.responses['default'];
        if (!documented) return { field: '', description: `${method.toUpperCase()} ${path} does not document status ${status}` };
        const statusKey = op.responses[key] ? key : op.responses[`${key[0]}XX`] ? `${key[0]}XX` : 'default';
        const mt = mediaType?.split(';')[0]?.trim() ?? '';
        if (!responseMedia.has(`${statusKey} ${mt}`)) {
          return { field: '', description: `${method.toUpperCase()} ${path} ${status} does not document media type '${mt}'` };
        }
        const validate = responseValidator(`${statusKey} ${mt}`);
        if (validate && !validate(body)) return describeErrors(validate.errors, `${status} response body`);
        return null;
      },
    };
  }

  function resolve<T>(node: unknown): T {
    let current = node;
    while (isRecord(current) && typeof current['$ref'] === 'string') {
      const ref = current['$ref'];
      current = ref
        .slice(2)
        .split('/')
        .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce<unknown>((acc, key) => (isRecord(acc) ? acc[key] : undefined), document);
    }
    return current as T;
  }

  function rebase(schema: unknown): Record<string, unknown> {
    return JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#/g, `"$ref":"${DOC_ID}#`)) as Record<string, unknown>;
  }

  const schemaValidators = new Map<string, (value: unknown) => ValidationIssue | null>();
  return {
    document,
    operations,
    operation(operationId) {
      const op = operations.get(operationId);
      if (!op) throw new Error(`No operation ${operationId} in the contract`);
      return op;
    },
    schema(name) {
      let validator = schemaValidators.get(name);
      if (!validator) {
        if (!isRecord(document.components.schemas[name])) throw new Error(`No schema ${name} in the contract`);
        const validate = compile('strict', { $ref: `#/components/schemas/${name}` });
        validator = (value) => (validate(value) ? null : describeErrors(validate.errors));
        schemaValidators.set(name, validator);
      }
      return validator;
    },
  };
}
