import { seedSessionExample, type Customer, type Session, type SessionReport } from '@sbc/contract';
import type { SessionStore } from './domain/session-store.js';

/** A small deterministic random source, so that `demo` loads the same data every time. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export const demoCustomers: Customer[] = [
  { id: '1234567890ABCDEF12345678', name: 'Nordic Reseller ApS', features: ['TELE'] },
  { id: '1234567890ABCDEF00000001', name: 'Hansen VVS', parentReseller: '1234567890ABCDEF12345678', features: [] },
  { id: '1234567890ABCDEF00000002', name: 'Jensen Advokater', parentReseller: '1234567890ABCDEF12345678', features: [] },
  { id: '1234567890ABCDEF00000003', name: 'Sub-reseller Fyn', parentReseller: '1234567890ABCDEF12345678', features: ['TELE'] },
  { id: '1234567890ABCDEF00000004', name: 'Odense Bageri', parentReseller: '1234567890ABCDEF00000003', features: [] },
  { id: 'ABCDEF1234567890ABCDEF12', name: 'Baltic Telecom Partners', features: ['TELE'] },
  { id: 'ABCDEF1234567890000000A1', name: 'Riga Logistics', parentReseller: 'ABCDEF1234567890ABCDEF12', features: [] },
  { id: 'ABCDEF1234567890000000A2', name: 'Malmo Design AB', parentReseller: 'ABCDEF1234567890ABCDEF12', features: [] },
];

const endCustomers = demoCustomers.filter((c) => c.parentReseller !== undefined).map((c) => c.id);
const sbcNodes = ['2.1.1.3', '2.1.1.4'];
const peers = ['Telenor', 'TDC', 'SuperTel', 'Telia'];
const userNames = ['Per', 'Mette', 'Lars', 'Sofie', 'Anders', 'Ida'];
const international = ['+46', '+47', '+49', '+44', '+1', '+371'];

/**
 * The seed page's example session, with its times moved into the last hour so that retention
 * keeps it for a day after `demo` runs; every other value is as the page gives it.
 */
export function seedExample(now: Date): Session {
  const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();
  return { ...seedSessionExample, started: at(10), answered: new Date(Date.parse(at(10)) + 5_000).toISOString(), ended: at(5) };
}

/** Realistic calls: Danish and international numbers, live and ended, both directions, MVNO calls. */
export function demoSessions(count: number, now: Date): Array<{ callId: string; report: SessionReport }> {
  const next = random(45);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
  const danish = () => `+45${pick(['2', '3', '4', '5', '6', '7', '8'])}${digits(7)}`;
  const sessions: Array<{ callId: string; report: SessionReport }> = [];
  for (let i = 0; i < count; i++) {
    const direction = next() < 0.5 ? 'I' : 'O';
    const live = next() < 0.3;
    // Live calls began within the hour; ended ones within the retention of a day.
    const startedMs = now.getTime() - Math.floor(next() * (live ? 1 : 20) * 3_600_000);
    const answeredMs = startedMs + 1_000 + Math.floor(next() * 20_000);
    const answered = next() < 0.7;
    // A call that would be answered or ended after now happened earlier instead: no report is
    // ahead of the clock, and none is refused for an end before its answer.
    const lastMs = (answered ? answeredMs : startedMs) + (live ? 0 : 2_000 + Math.floor(next() * 600_000));
    const at = (ms: number) => new Date(ms - Math.max(0, lastMs - now.getTime())).toISOString();
    // As the agent maps a call: a hidden caller keeps its asserted number, `anonymous` only when none is known.
    const hidden = next() < 0.1;
    const customer = pick(endCustomers);
    const mvno = next() < 0.15 ? pick(['Telenor', 'TDC']) : undefined;
    const callId = `${digits(20)}@${pick(['80.198.52.50', '23.34.33.74', '10.20.30.40'])}`;
    const report: SessionReport = {
      aNumber: hidden && next() < 0.5 ? 'anonymous' : direction === 'I' && next() < 0.3 ? `${pick(international)}${digits(8)}` : danish(),
      aNumberPrivacy: hidden ? 1 : 0,
      bNumber: direction === 'O' && next() < 0.25 ? `${pick(international)}${digits(8)}` : danish(),
      sbcServer: pick(sbcNodes),
      direction,
      started: at(startedMs),
      userAgent: pick(['myPBX 12.3beta7', 'Yealink SIP-T46U', 'Snom D785', 'Grandstream GXP2170']),
      mobileOriginated: mvno ? 1 : 0,
      rtpProxyId: 1 + Math.floor(next() * 4),
      rtpProxyFlags: 'rip',
      sourceIP: direction === 'I' ? '80.198.52.50' : '10.20.30.40',
      destinationIP: '8.7.6.5',
      ...(direction === 'I' ? { sourcePeer: pick(peers), destinationCustomerId: customer } : { destinationPeer: pick(peers), sourceCustomerId: customer }),
      ...(mvno ? { mvno, mvnoData: digits(11) } : {}),
      ...(direction === 'O' ? { userName: pick(userNames), userLocation: pick(['CPH', 'AAR', 'ODE']), userExtension: String(200 + Math.floor(next() * 50)) } : {}),
    };
    if (answered) report.answered = at(answeredMs);
    if (!live) {
      report.ended = at(lastMs);
      report.endedReason = answered ? 'BYE' : pick(['CANCEL', '486', '404', '503', 'BLOCKED']);
      report.endedBy = answered ? pick(['A', 'B']) : report.endedReason === 'CANCEL' ? 'A' : 'B';
      if (answered) report.rtpStat = `${digits(4)},${digits(4)},${digits(2)},${digits(1)},${digits(1)}`;
    }
    sessions.push({ callId, report });
  }
  return sessions;
}

/** What `demo` stored: the store's own count of each outcome, not the number of reports sent. */
export interface DemoLoad {
  customers: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** The seed example's Call-ID, to try first. */
  seedCallId: string;
}

/** Loads the demo customers, the seed's example session and `count` demo calls. */
export async function loadDemo(store: SessionStore, count: number, now: Date): Promise<DemoLoad> {
  const imported = await store.importCustomers(demoCustomers);
  if ('refused' in imported) throw new Error(`the demo customers were refused: ${imported.refused}`);
  const seed = seedExample(now);
  const reports = [{ callId: seed.callId, report: seed }, ...demoSessions(count, now)];
  const load: DemoLoad = { customers: demoCustomers.length, created: 0, updated: 0, unchanged: 0, rejected: 0, seedCallId: seed.callId };
  for (let i = 0; i < reports.length; i += 1000) {
    const { outcomes } = await store.applyReports(reports.slice(i, i + 1000), {}, now);
    for (const outcome of outcomes) load[outcome.result]++;
  }
  return load;
}
