import type { components } from '@sbc/contract';
import { Random } from './random.js';

export type SessionReport = components['schemas']['SessionReport'];
export type IngestReport = components['schemas']['IngestReport'];
type Customer = components['schemas']['CustomerInput'] & { id: string };

/**
 * The benchmark's data set: a day of an operator's calls, rebuilt identically from a seed.
 * Danish and international E.164 numbers, a few resellers with their customers, four SBC
 * nodes, calls in both directions, MVNO traffic, ended calls (answered or not) and the calls
 * still live at the data set's "now".
 */
export const DATASET_VERSION = 3;
export const DEFAULT_SEED = 20261126;

/** The data set's "now": every session started in the 24 hours before it. */
export const DATASET_NOW = Date.parse('2026-01-15T12:00:00.000Z');
const DAY_MS = 24 * 3600 * 1000;

/**
 * When the `count` calls from index `first` on start: evenly over `spanMs` from `from`, in
 * index order, as calls reach an SBC (so loading them in order is the order a live system sees).
 */
export interface Arrivals {
  first: number;
  from: number;
  spanMs: number;
  count: number;
}

/** The data set: `count` calls over the day before its "now". */
export const dayOf = (count: number): Arrivals => ({ first: 0, from: DATASET_NOW - DAY_MS, spanMs: DAY_MS, count });

/** Where the calls reported during the ingest benchmarks start, by stage (and the commit-pages tool): far beyond the data set. */
export const INGEST_RANGES = { batch1000: 1 << 24, batch100: 2 << 24, patch: 3 << 24, events: 4 << 24, commitPages: 5 << 24 } as const;

export const SBC_NODES = ['185.45.12.11', '185.45.12.12', '185.45.12.13', '2a05:d014:9f0::13'] as const;

const PEERS = ['TDC', 'Telenor', 'Telia', 'Hi3G', 'GlobalConnect', 'BICS', 'Tata', 'Colt'] as const;
const PEER_IPS = ['80.198.52.50', '62.242.11.4', '195.249.20.7', '212.10.10.3', '83.221.140.2', '194.149.90.11'];
const MVNOS = [
  ['Telenor', 'accountcode'],
  ['TDC', 'prefix'],
  ['Lycamobile', 'accountcode'],
] as const;
const USER_AGENTS = [
  'Yealink SIP-T46S 66.86.0.15',
  'snom D785/10.1.141.13',
  'Grandstream GXP2170 1.0.11.23',
  'myPBX 12.3beta7',
  'Asterisk PBX 18.9.0',
  'FreeSWITCH-mod_sofia/1.10.9',
  '3CXPhoneSystem 18.0.8.941',
  'Cisco-SIPGateway/IOS-15.6.3',
];
const FIRST_NAMES = ['Per', 'Anne', 'Mette', 'Jens', 'Søren', 'Karen', 'Lars', 'Ida', 'Mads', 'Freja', 'Ahmad', 'Zofia'];
const LOCATIONS = ['CPH', 'AAR', 'ODE', 'Aalborg HQ', 'Vejle lager', 'Home office'];
const FAILURES = [
  ['CANCEL', 'A', 40],
  ['486', 'B', 20],
  ['480', 'B', 12],
  ['404', 'B', 6],
  ['503', 'S', 4],
  ['603', 'B', 4],
  ['BLOCKED', 'S', 1],
  ['BLACKLISTED', 'S', 0.5],
  ['FRAUD', 'F', 0.2],
] as const;

/** Countries other than Denmark, with the national number lengths their mobiles have. */
const INTERNATIONAL = [
  ['46', '7', 8, 20],
  ['47', '9', 7, 18],
  ['49', '15', 9, 15],
  ['44', '7', 9, 14],
  ['1', '2', 9, 8],
  ['48', '5', 8, 8],
  ['33', '6', 8, 7],
  ['90', '5', 9, 5],
  ['91', '9', 9, 5],
] as const;

const RESELLER_COUNT = 4;
const CUSTOMERS_PER_RESELLER = 40;
const DIRECT_CUSTOMERS = 40;
/** Danish subscriber numbers that the customers own; calls reuse them, as real ones do. */
const DANISH_NUMBER_POOL = 250_000;

function hexId(kind: number, index: number): string {
  return Random.of(DEFAULT_SEED ^ kind, index).hex(24);
}

/** Resellers (with TELE) and their customers, then the operator's direct customers. */
export function customers(): Customer[] {
  const list: Customer[] = [];
  for (let r = 0; r < RESELLER_COUNT; r++) {
    const reseller = hexId(1, r);
    list.push({ id: reseller, name: `Reseller ${r + 1} ApS`, features: ['TELE'] });
    for (let c = 0; c < CUSTOMERS_PER_RESELLER; c++) {
      list.push({ id: hexId(2, r * 1000 + c), name: `Customer ${r + 1}-${c + 1} A/S`, parentReseller: reseller });
    }
  }
  for (let c = 0; c < DIRECT_CUSTOMERS; c++) {
    list.push({ id: hexId(3, c), name: `Direct customer ${c + 1}`, features: c % 4 === 0 ? ['TELE'] : [] });
  }
  return list;
}

const CUSTOMERS = customers();
const CALLING_CUSTOMERS = CUSTOMERS.filter((customer) => customer.parentReseller !== undefined || !customer.features?.includes('TELE'));

function danishNumber(random: Random): string {
  const slot = random.int(0, DANISH_NUMBER_POOL - 1);
  const number = Random.of(DEFAULT_SEED ^ 7, slot);
  return `+45${number.pick(['2', '3', '4', '5', '6', '7', '8', '9'])}${number.digits(7)}`;
}

function internationalNumber(random: Random): string {
  const [code, prefix, length] = random.weighted(INTERNATIONAL.map((country) => [country, country[3]] as const));
  return `+${code}${prefix}${random.digits(length - prefix.length + 1)}`;
}

function publicIp(random: Random): string {
  if (random.chance(0.04)) return `2001:db8:${random.hex(4)}::${random.int(1, 0xfff).toString(16)}`;
  return `${random.pick([31, 46, 77, 80, 87, 90, 93, 176, 185, 212])}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`;
}

function callId(random: Random, host: string): string {
  const style = random.next();
  if (style < 0.5) return `${random.hex(32)}@${host}`;
  if (style < 0.8) return `${random.hex(8)}-${random.hex(4)}-4${random.hex(3)}-a${random.hex(3)}-${random.hex(12)}`;
  if (style < 0.97) return `${random.digits(20)}@${host.includes(':') ? `[${host}]` : host}:5060`;
  // Call-IDs with characters that must be percent-encoded in a URL.
  return `${random.hex(12)}/${random.digits(4)};tag=${random.hex(6)}@pbx%${random.int(1, 9)}.example`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Call `index` of the stream `seed`, in its final state at `now` (the data set's "now" unless
 * given): what all of its SBC's reports merged together say (calls still going on then have no
 * end).
 */
export function session(seed: number, index: number, arrivals: Arrivals, now = DATASET_NOW): IngestReport {
  const random = Random.of(seed, index);
  const outbound = random.chance(0.55);
  const customer = random.pick(CALLING_CUSTOMERS);
  const sbcServer = random.pick(SBC_NODES);
  const sourceIP = outbound ? publicIp(random) : random.pick(PEER_IPS);
  const started = arrivals.from + Math.floor(((index - arrivals.first + random.next()) / arrivals.count) * arrivals.spanMs);
  const report: IngestReport = {
    callId: callId(random, sourceIP),
    sbcServer,
    direction: outbound ? 'O' : 'I',
    started: iso(started),
    sourceIP,
    destinationIP: outbound ? random.pick(PEER_IPS) : publicIp(random),
    rtpProxyId: random.int(1, 8),
    rtpProxyFlags: random.pick(['rip', 'ie', 'ei', 'rfip']),
  };
  const anonymous = random.chance(0.03);
  if (outbound) {
    report.aNumber = anonymous ? 'anonymous' : danishNumber(random);
    report.bNumber = random.chance(0.14) ? internationalNumber(random) : danishNumber(random);
    report.destinationPeer = random.pick(PEERS);
    report.sourceCustomerId = customer.id;
    report.sourceVoiceAccountId = Random.of(seed ^ 11, random.int(0, 5000)).hex(24);
    report.sourceRatePlanId = hexId(4, random.int(0, 11));
    report.userAgent = random.pick(USER_AGENTS);
    if (random.chance(0.6)) {
      report.userName = random.pick(FIRST_NAMES);
      report.userLocation = random.pick(LOCATIONS);
      report.userExtension = String(random.int(100, 899));
    }
  } else {
    report.aNumber = anonymous ? 'anonymous' : random.chance(0.22) ? internationalNumber(random) : danishNumber(random);
    report.bNumber = danishNumber(random);
    report.sourcePeer = random.pick(PEERS);
    report.destinationCustomerId = customer.id;
    report.userAgent = random.pick(['TDC SBC', 'Sonus SBC 1000', 'Oracle ESBC 8.4']);
  }
  report.aNumberPrivacy = anonymous || random.chance(0.01) ? 1 : 0;
  if (random.chance(0.02)) report.divertedBy = danishNumber(random);
  if (random.chance(0.03)) report.relatedCallId = callId(random, sourceIP);
  const mvno = random.chance(0.12) ? random.pick(MVNOS) : undefined;
  report.mobileOriginated = mvno !== undefined && outbound ? 1 : 0;
  if (mvno) {
    report.mvno = mvno[0];
    report.mvnoData = mvno[1] === 'prefix' ? random.digits(4) : random.digits(11);
  }

  const answeredCall = random.chance(0.72);
  const ringMs = random.int(800, 25_000);
  if (answeredCall) {
    const answered = started + ringMs;
    // Most calls last a few minutes; a few last hours.
    const durationMs = Math.floor(random.exponential(random.chance(0.02) ? 3_600_000 : 150_000)) + 1000;
    if (answered <= now) report.answered = iso(answered);
    if (answered + durationMs <= now) {
      report.ended = iso(answered + durationMs);
      report.endedReason = 'BYE';
      report.endedBy = random.chance(0.55) ? 'A' : 'B';
      report.rtpStat = `${random.int(100, 90_000)},${random.int(100, 90_000)},${random.int(0, 300)},${random.int(0, 40)},${random.int(0, 9)}`;
    }
  } else if (started + ringMs <= now) {
    const [reason, by] = random.weighted(FAILURES.map(([reason, by, weight]) => [[reason, by] as const, weight] as const));
    report.ended = iso(started + ringMs);
    report.endedReason = reason;
    report.endedBy = by;
  }
  return report;
}

/**
 * A call's life as its SBC reports it: the INVITE, the 200 OK (if answered), the end.
 * The later reports carry only what they add, as an SBC's do.
 */
export function lifecycle(final: IngestReport): IngestReport[] {
  const { answered, ended, endedReason, endedBy, rtpStat, ...start } = final;
  const reports: IngestReport[] = [start];
  if (answered !== undefined) reports.push({ callId: final.callId, answered });
  if (ended !== undefined) {
    const end: IngestReport = { callId: final.callId, ended };
    if (endedReason !== undefined) end.endedReason = endedReason;
    if (endedBy !== undefined) end.endedBy = endedBy;
    if (rtpStat !== undefined) end.rtpStat = rtpStat;
    reports.push(end);
  }
  return reports;
}
