import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findBreakingChanges, breakingKinds, type BreakingChange } from '../../src/breaking/index.js';

interface Fixture {
  description: string;
  breaks: Array<Pick<BreakingChange, 'kind' | 'where'>>;
  baseline: Record<string, unknown>;
  current: Record<string, unknown>;
}

const fixtureDir = new URL('./fixtures/', import.meta.url);
const fixtures = readdirSync(fixtureDir)
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => ({ name, ...(parse(readFileSync(new URL(name, fixtureDir), 'utf8')) as Fixture) }));

describe('the breaking-change check on small fixture specs', () => {
  it.each(fixtures)('$description ($name)', ({ baseline, current, breaks }) => {
    const found = findBreakingChanges(baseline, current).map(({ kind, where }) => ({ kind, where }));
    expect(found).toEqual(breaks);
  });

  it('has a fixture that shows each kind of breaking change being caught', () => {
    const caught = new Set(fixtures.flatMap((f) => f.breaks.map((b) => b.kind)));
    expect(breakingKinds.filter((kind) => !caught.has(kind))).toEqual([]);
  });

  it('says in words what changed', () => {
    const fixture = fixtures.find((f) => f.name === 'response-fields.yaml')!;
    expect(findBreakingChanges(fixture.baseline, fixture.current)[2]?.message).toBe('body.endedBy may now be S');
  });
});
