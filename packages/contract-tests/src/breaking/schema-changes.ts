import { isRecord, shapeOf, type ConstraintKeyword, type Json, type SchemaShape } from '../spec/json-schema.js';
import type { BreakingChange } from './breaking-change.js';

/**
 * Which way data flows through a schema decides what breaks: a client of the baseline sends
 * what the baseline's request schemas accept (so the server must keep accepting it), and reads
 * what the baseline's response schemas promise (so the server must keep within it).
 */
export type Flow = 'request' | 'response';

export interface SchemaPair {
  baseline: Json;
  current: Json;
  flow: Flow;
  /** Where the schemas sit, for the report: `GET /x 200 application/json`. */
  at: string;
}

const upperBounds: readonly ConstraintKeyword[] = ['maxLength', 'maxItems', 'maximum', 'exclusiveMaximum'];
const lowerBounds: readonly ConstraintKeyword[] = ['minLength', 'minItems', 'minimum', 'exclusiveMinimum'];
const exactConstraints: readonly ConstraintKeyword[] = ['pattern', 'format', 'multipleOf'];

/** Lists what breaks a client of the baseline when `before` (baseline) becomes `after` (current). */
export function schemaChanges(pair: SchemaPair, before: unknown, after: unknown, field = 'body'): BreakingChange[] {
  const changes: BreakingChange[] = [];
  compare(before, after, field, new Set(), 0);
  return changes;

  function report(kind: BreakingChange['kind'], where: string, message: string): void {
    changes.push({ kind, where: `${pair.at} ${where}`, message });
  }

  function compare(beforeNode: unknown, afterNode: unknown, where: string, seen: Set<string>, depth: number): void {
    // Recursive schemas (none today, but nothing forbids them) end where a pair of $refs repeats.
    const refKey = `${refOf(beforeNode)}|${refOf(afterNode)}`;
    if (refKey !== '|' && seen.has(refKey)) return;
    if (depth > 40) return;
    const nextSeen = refKey === '|' ? seen : new Set([...seen, refKey]);
    const old = shapeOf(pair.baseline, beforeNode);
    const now = shapeOf(pair.current, afterNode);

    if (retyped(old, now)) {
      report(pair.flow === 'request' ? 'request-field-retyped' : 'response-field-retyped', where, `${where} was ${typeText(old)}, is now ${typeText(now)}`);
      return;
    }
    compareValues(old, now, where);
    if (pair.flow === 'request') compareConstraints(old, now, where);
    compareProperties(old, now, where, nextSeen, depth);
    if (old.items !== undefined && now.items !== undefined) compare(old.items, now.items, `${where}[]`, nextSeen, depth + 1);
    compareVariants(old, now, where, nextSeen, depth);
  }

  function retyped(old: SchemaShape, now: SchemaShape): boolean {
    // A request type may widen (the server accepts more); a response type may narrow (the client gets less variety).
    const [narrow, wide] = pair.flow === 'request' ? [old.types, now.types] : [now.types, old.types];
    if (!wide) return false;
    if (!narrow) return true;
    return [...narrow].some((type) => !wide.has(type) && !(type === 'integer' && wide.has('number')));
  }

  function compareValues(old: SchemaShape, now: SchemaShape, where: string): void {
    if (pair.flow === 'request' && now.values) {
      const dropped = old.values ? old.values.filter((v) => !now.values!.includes(v)) : ['any other value'];
      if (dropped.length > 0) report('request-enum-narrowed', where, `${where} no longer accepts ${dropped.map(show).join(', ')}`);
    }
    if (pair.flow === 'response' && old.values) {
      const added = now.values ? now.values.filter((v) => !old.values!.includes(v)) : ['any other value'];
      if (added.length > 0) report('response-enum-widened', where, `${where} may now be ${added.map(show).join(', ')}`);
    }
  }

  function compareConstraints(old: SchemaShape, now: SchemaShape, where: string): void {
    const tightened = (keyword: ConstraintKeyword, tighter: (a: number, b: number) => boolean): boolean => {
      const before = old.constraints[keyword];
      const after = now.constraints[keyword];
      if (after === undefined) return false;
      return before === undefined || tighter(after as number, before as number);
    };
    const changed = [
      ...upperBounds.filter((k) => tightened(k, (a, b) => a < b)),
      ...lowerBounds.filter((k) => tightened(k, (a, b) => a > b)),
      ...exactConstraints.filter((k) => now.constraints[k] !== undefined && now.constraints[k] !== old.constraints[k]),
    ];
    for (const keyword of changed) {
      report('request-constraint-tightened', where, `${where} ${keyword} was ${show(old.constraints[keyword])}, is now ${show(now.constraints[keyword])}`);
    }
  }

  function compareProperties(old: SchemaShape, now: SchemaShape, where: string, seen: Set<string>, depth: number): void {
    for (const [name, schema] of old.properties) {
      const path = `${where}.${name}`;
      const after = now.properties.get(name);
      if (after !== undefined) {
        compare(schema, after, path, seen, depth + 1);
      } else if (pair.flow === 'response') {
        report('response-field-removed', path, `${path} is no longer in the response`);
      } else if (!now.additionalPropertiesAllowed) {
        report('request-field-removed', path, `${path} is no longer accepted`);
      }
    }
    if (pair.flow === 'request') {
      for (const name of now.required) {
        if (!old.required.has(name)) report('request-field-newly-required', `${where}.${name}`, `${where}.${name} is now required`);
      }
      if (old.additionalPropertiesAllowed && !now.additionalPropertiesAllowed && old.properties.size + now.properties.size > 0) {
        report('request-constraint-tightened', where, `${where} no longer accepts properties it does not list`);
      }
    } else {
      for (const name of old.required) {
        if (!now.required.has(name) && now.properties.has(name)) {
          report('response-field-removed', `${where}.${name}`, `${where}.${name} is no longer always present`);
        }
      }
    }
  }

  function compareVariants(old: SchemaShape, now: SchemaShape, where: string, seen: Set<string>, depth: number): void {
    if (!old.variants || !now.variants) return;
    const shared = Math.min(old.variants.length, now.variants.length);
    for (let i = 0; i < shared; i++) compare(old.variants[i], now.variants[i], `${where}<${i}>`, seen, depth + 1);
    if (pair.flow === 'request' && now.variants.length < old.variants.length) {
      report('request-enum-narrowed', where, `${where} accepts ${old.variants.length - shared} alternative(s) fewer`);
    }
    if (pair.flow === 'response' && now.variants.length > old.variants.length) {
      report('response-enum-widened', where, `${where} may now be one of ${now.variants.length - shared} new alternative(s)`);
    }
  }
}

function refOf(node: unknown): string {
  return isRecord(node) && typeof node['$ref'] === 'string' ? node['$ref'] : '';
}

function typeText(shape: SchemaShape): string {
  return shape.types ? [...shape.types].join(' or ') : 'of any type';
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
