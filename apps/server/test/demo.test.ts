import { describe, expect, it } from 'vitest';
import { demoSessions, loadDemo } from '../src/demo.js';
import { openTestStore } from './helpers.js';

const now = new Date('2026-06-01T12:00:00.000Z');

describe('demo data', () => {
  it('hides callers as the agent maps them: privacy 1, and anonymous only for some of those', () => {
    const reports = demoSessions(5_000, now).map((s) => s.report);
    const hidden = reports.filter((r) => r.aNumberPrivacy === 1);
    expect(reports.filter((r) => r.aNumber === 'anonymous' && r.aNumberPrivacy !== 1)).toEqual([]);
    expect(hidden.some((r) => r.aNumber === 'anonymous')).toBe(true);
    expect(hidden.some((r) => r.aNumber !== 'anonymous')).toBe(true);
  });

  it('reports no time after now, so the store takes every call', () => {
    const late = demoSessions(10_000, now).filter(({ report: r }) => [r.started, r.answered, r.ended].some((t) => t !== undefined && t > now.toISOString()));
    expect(late).toEqual([]);
  });

  it("says what the store kept: each call counted by the store's own outcome", async () => {
    const store = await openTestStore();
    const load = await loadDemo(store, 300, now);
    expect(load).toMatchObject({ customers: 8, created: 301, updated: 0, unchanged: 0, rejected: 0 });
    expect((await store.listSessions({ offset: 0, limit: 1, homeCountryCode: '45' }, { all: true })).total).toBe(301);
    expect(await loadDemo(store, 300, now)).toMatchObject({ created: 0, unchanged: 301 });
    await store.close();
  });
});
