import type { BreakingChange } from './breaking-change.js';
import { isRecord, resolve, type Json } from '../spec/json-schema.js';
import { schemaChanges, type Flow } from './schema-changes.js';

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

interface Operation {
  /** `GET /sbc/session/{id}` as the document writes it. */
  label: string;
  path: string;
  node: Json;
  parameters: Json[];
}

/**
 * Lists every change from `baseline` to `current` that breaks a client of the baseline. Both are
 * bundled OpenAPI 3.1 documents (local `$ref`s only). Additions are never breaking; what was
 * promised to a client and is taken away, or what a client sent and is now refused, is.
 */
export function findBreakingChanges(baseline: Json, current: Json): BreakingChange[] {
  const currentOperations = new Map(operationsOf(current).map((op) => [signature(op), op]));
  return operationsOf(baseline).flatMap((old) => {
    const now = currentOperations.get(signature(old));
    if (!now) return [{ kind: 'operation-removed', where: old.label, message: `${old.label} is gone` }];
    return [
      ...pathParameterChanges(old, now),
      ...securityChanges(baseline, current, old, now),
      ...parameterChanges(baseline, current, old, now),
      ...requestBodyChanges(baseline, current, old, now),
      ...responseChanges(baseline, current, old, now),
    ];
  });
}

function operationsOf(document: Json): Operation[] {
  const paths = isRecord(document['paths']) ? document['paths'] : {};
  return Object.entries(paths).flatMap(([path, rawItem]) => {
    const item = resolve(document, rawItem);
    if (!isRecord(item)) return [];
    const shared: unknown[] = Array.isArray(item['parameters']) ? item['parameters'] : [];
    return methods
      .filter((method) => isRecord(item[method]))
      .map((method) => {
        const node = item[method] as Json;
        const own: unknown[] = Array.isArray(node['parameters']) ? node['parameters'] : [];
        // An operation's own parameter replaces the path item's one of the same name and place.
        const byKey = new Map<string, Json>();
        for (const raw of [...shared, ...own]) {
          const parameter = resolve(document, raw);
          if (isRecord(parameter)) byKey.set(`${String(parameter['in'])} ${String(parameter['name'])}`, parameter);
        }
        return { label: `${method.toUpperCase()} ${path}`, path, node, parameters: [...byKey.values()] };
      });
  });
}

/** An operation is the same one when its method and path match, whatever its path parameters are called. */
function signature(op: Operation): string {
  return `${op.label.split(' ')[0]} ${op.path.replace(/\{[^}]*\}/g, '{}')}`;
}

function pathParameterChanges(old: Operation, now: Operation): BreakingChange[] {
  const names = (path: string) => [...path.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
  const after = names(now.path);
  return names(old.path).flatMap((name, i) =>
    name === after[i]
      ? []
      : [{ kind: 'path-parameter-renamed', where: old.label, message: `path parameter {${name}} is now {${after[i]}}` }],
  );
}

function securityChanges(baseline: Json, current: Json, old: Operation, now: Operation): BreakingChange[] {
  const changes: BreakingChange[] = [];
  if (isOpen(baseline, old) && !isOpen(current, now)) {
    changes.push({ kind: 'security-tightened', where: old.label, message: `${old.label} now needs credentials` });
  } else if (!isOpen(baseline, old)) {
    // Each requirement is one way to present credentials; a client may use any of the baseline's.
    const ways = (document: Json, op: Operation) => requirements(document, op).map((r) => Object.keys(r).sort().join(' and '));
    const kept = ways(current, now);
    for (const way of ways(baseline, old).filter((w) => !kept.includes(w))) {
      changes.push({ kind: 'security-tightened', where: old.label, message: `${old.label} no longer accepts credentials by ${way}` });
    }
  }
  const levels = (op: Operation) => (Array.isArray(op.node['x-access-level']) ? (op.node['x-access-level'] as string[]) : []);
  for (const level of levels(old).filter((l) => !levels(now).includes(l))) {
    changes.push({ kind: 'access-level-removed', where: old.label, message: `${level} may no longer call ${old.label}` });
  }
  return changes;
}

function requirements(document: Json, op: Operation): Json[] {
  const security = op.node['security'] ?? document['security'];
  return Array.isArray(security) ? security.filter(isRecord) : [];
}

function isOpen(document: Json, op: Operation): boolean {
  const all = requirements(document, op);
  return all.length === 0 || all.some((requirement) => Object.keys(requirement).length === 0);
}

function parameterChanges(baseline: Json, current: Json, old: Operation, now: Operation): BreakingChange[] {
  const changes: BreakingChange[] = [];
  const key = (p: Json) => `${String(p['in'])} ${String(p['name'])}`;
  const oldByKey = new Map(old.parameters.filter((p) => p['in'] !== 'path').map((p) => [key(p), p]));
  const nowByKey = new Map(now.parameters.filter((p) => p['in'] !== 'path').map((p) => [key(p), p]));
  const where = (p: Json) => `${old.label} ${String(p['in'])} parameter ${String(p['name'])}`;
  for (const [k, parameter] of nowByKey) {
    if (parameter['required'] === true && oldByKey.get(k)?.['required'] !== true) {
      changes.push({ kind: 'parameter-newly-required', where: where(parameter), message: `${String(parameter['name'])} is now required` });
    }
  }
  for (const [k, parameter] of oldByKey) {
    const after = nowByKey.get(k);
    // An unknown query parameter is refused (as this API does); an unknown header is ignored.
    if (!after && parameter['in'] === 'query') {
      changes.push({ kind: 'parameter-removed', where: where(parameter), message: `${String(parameter['name'])} is no longer accepted` });
    }
    if (after) changes.push(...schemaChanges(pairAt(baseline, current, 'request', where(parameter)), parameter['schema'], after['schema'], 'value'));
  }
  // Path parameters are matched by position: a rename is reported once, above, and the values compared here.
  const paths = (op: Operation) => op.parameters.filter((p) => p['in'] === 'path');
  const nowPaths = new Map(paths(now).map((p) => [String(p['name']), p]));
  const names = [...now.path.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
  [...old.path.matchAll(/\{([^}]*)\}/g)].forEach((m, i) => {
    const before = paths(old).find((p) => p['name'] === m[1]);
    const after = nowPaths.get(names[i] ?? '');
    if (before && after) changes.push(...schemaChanges(pairAt(baseline, current, 'request', where(before)), before['schema'], after['schema'], 'value'));
  });
  return changes;
}

function requestBodyChanges(baseline: Json, current: Json, old: Operation, now: Operation): BreakingChange[] {
  const before = resolve(baseline, old.node['requestBody']);
  const after = resolve(current, now.node['requestBody']);
  const changes: BreakingChange[] = [];
  if (isRecord(after) && after['required'] === true && !(isRecord(before) && before['required'] === true)) {
    changes.push({ kind: 'request-body-newly-required', where: old.label, message: `${old.label} now requires a body` });
  }
  if (!isRecord(before)) return changes;
  const nowContent = isRecord(after) && isRecord(after['content']) ? after['content'] : {};
  for (const [mediaType, media] of Object.entries(isRecord(before['content']) ? before['content'] : {})) {
    const where = `${old.label} request ${mediaType}`;
    const nowMedia = nowContent[mediaType];
    if (!isRecord(nowMedia)) {
      changes.push({ kind: 'request-media-type-removed', where, message: `${old.label} no longer accepts a ${mediaType} body` });
    } else if (isRecord(media)) {
      changes.push(...schemaChanges(pairAt(baseline, current, 'request', where), media['schema'], nowMedia['schema']));
    }
  }
  return changes;
}

function responseChanges(baseline: Json, current: Json, old: Operation, now: Operation): BreakingChange[] {
  const changes: BreakingChange[] = [];
  const nowResponses = isRecord(now.node['responses']) ? now.node['responses'] : {};
  for (const [status, rawBefore] of Object.entries(isRecord(old.node['responses']) ? old.node['responses'] : {})) {
    const before = resolve(baseline, rawBefore);
    const after = resolve(current, nowResponses[status]);
    if (!isRecord(after)) {
      changes.push({ kind: 'response-status-removed', where: `${old.label} ${status}`, message: `${old.label} no longer documents ${status}` });
      continue;
    }
    const nowHeaders = isRecord(after['headers']) ? Object.keys(after['headers']).map((h) => h.toLowerCase()) : [];
    for (const name of Object.keys(isRecord(before) && isRecord(before['headers']) ? before['headers'] : {})) {
      if (!nowHeaders.includes(name.toLowerCase())) {
        changes.push({ kind: 'response-header-removed', where: `${old.label} ${status} header ${name}`, message: `${old.label} ${status} no longer sends ${name}` });
      }
    }
    const nowContent = isRecord(after['content']) ? after['content'] : {};
    for (const [mediaType, media] of Object.entries(isRecord(before) && isRecord(before['content']) ? before['content'] : {})) {
      const where = `${old.label} ${status} ${mediaType}`;
      const nowMedia = nowContent[mediaType];
      if (!isRecord(nowMedia)) {
        changes.push({ kind: 'response-media-type-removed', where, message: `${old.label} ${status} is no longer sent as ${mediaType}` });
      } else if (isRecord(media)) {
        const pair = pairAt(baseline, current, 'response', where);
        changes.push(...schemaChanges(pair, media['schema'], nowMedia['schema']));
        // An event stream's messages are described by the string schema's contentSchema.
        const inner = (m: Json) => (isRecord(m['schema']) ? m['schema']['contentSchema'] : undefined);
        if (inner(media) !== undefined && inner(nowMedia) !== undefined) changes.push(...schemaChanges(pair, inner(media), inner(nowMedia), 'event'));
      }
    }
  }
  return changes;
}

function pairAt(baseline: Json, current: Json, flow: Flow, at: string) {
  return { baseline, current, flow, at };
}
