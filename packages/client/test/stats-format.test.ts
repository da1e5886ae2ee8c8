import { openapiDocument, type TrafficStats, type WhoAmI } from '@sbc/contract';
import { describe, expect, it } from 'vitest';
import { localTime } from '../src/cli/format.js';
import { trafficReport, whoAmIDetails } from '../src/cli/stats-format.js';

const example = <T>(path: string) => (openapiDocument.paths[path]?.get?.responses['200']?.content?.['application/json'] as { example: T }).example;
const utc = localTime('UTC');

describe('sbc stats as text', () => {
  const text = trafficReport(example<TrafficStats>('/sbc/stats'), utc);
  const lines = text.split('\n');

  it('opens with the live calls, answered and ringing apart', () => {
    expect(lines[0]).toBe('Live calls: 3 (2 answered, 1 ringing) at 2026-01-15 12:00:30');
  });

  it('lists the live calls by SBC node, direction, customer and peer', () => {
    expect(text).toContain('SBC NODE      CALLS\n185.45.12.11  2\n185.45.12.12  1\n');
    expect(text).toContain('DIRECTION                CALLS\nO (from a trusted host)  2\nI (from a peer)          1\n');
    expect(text).toContain('TOP CUSTOMER              NAME                 CALLS\n1234567890ABCDEF12345678  Nordic Reseller ApS  3\n');
    expect(text).toContain('TOP PEER  CALLS\nTelenor   1\n');
  });

  it("sums up the window with ASR as a percentage and ACD as a duration", () => {
    expect(text).toContain('Last 2 minutes, from 2026-01-15 11:59:00 (UTC): 5 started, 3 answered, 1 failed; ASR 75.0%, ACD 0:00:43\n');
  });

  it('gives each minute a row, a dash where there is no ratio', () => {
    expect(text.slice(text.indexOf('MINUTE'))).toBe(
      [
        'MINUTE  STARTED  ANSWERED  FAILED  CONCURRENT  ASR     ACD',
        '11:59   3        2         1       2           66.7%   0:00:43',
        '12:00   2        1         0       3           100.0%  -',
        '',
      ].join('\n'),
    );
  });

  it('says (none) under a heading with no rows', () => {
    const quiet = example<TrafficStats>('/sbc/stats');
    expect(trafficReport({ ...quiet, live: { ...quiet.live, topPeers: [] } }, utc)).toContain('TOP PEER  CALLS\n(none)\n');
  });
});

describe('sbc whoami as text', () => {
  it('shows the level, name, customer, features, expiry and operations, one a line', () => {
    expect(whoAmIDetails(example<WhoAmI>('/sbc/whoami'), utc)).toBe(
      [
        'level       RESELLER_ADMIN',
        'name        NOC screen',
        'customer    1234567890ABCDEF12345678 Nordic Reseller ApS',
        'features    TELE',
        'expires     2027-01-01 00:00:00 (UTC)',
        'operations  endCall, getSession, getTrafficStats, listSessions, streamEvents, whoAmI',
        '',
      ].join('\n'),
    );
  });

  it('says when a customer is not known to the store, and that a token never expires', () => {
    const text = whoAmIDetails({ level: 'VIEWER', customer: { id: '0000000000000000000000DD' }, operations: ['whoAmI'] }, utc);
    expect(text).toContain('customer    0000000000000000000000DD (not a known customer)\n');
    expect(text).toContain('expires     never\n');
  });
});
