// The events Kamailio holds for the agent (see route[EMIT] and event_route[evapi:message-received]
// in deploy/kamailio/kamailio.cfg). Kamailio numbers every event and keeps a copy until the agent
// acknowledges it; it pushes events over evapi only while the agent keeps up. This side:
// - acknowledges the events once their reports are on disk, so Kamailio drops the copies;
// - asks for the copies it has not seen (missed while disconnected, or not pushed while it was
//   behind), a bounded range at a time, so nothing held by Kamailio is left behind;
// - reads how many copies Kamailio had to drop unacknowledged (its bound, or low memory), and
//   reports them: those calls' events are lost.
import type { Logger } from 'pino';
import type { KamailioRpc } from './kamailio-rpc.js';

export interface BacklogOptions {
  rpc: KamailioRpc;
  /** Sends one message over the evapi connection. */
  send: (text: string) => void;
  log: Logger;
  /** The most sequence numbers one replay request covers (Kamailio refuses ranges of 5000 or more). */
  replayChunk?: number;
}

/** The counters Kamailio keeps in its `sbcmeta` table. */
export interface KamailioCounters {
  /** The last event's sequence number. */
  seq: number;
  /** Copies dropped before the agent acknowledged them, since Kamailio started. */
  lost: number;
  /** How many copies Kamailio keeps at most (RECOVERY_EVENTS). */
  bound: number;
}

const counterTable = 'sbcmeta';
/** Kamailio caps one acknowledged or replayed range below this many numbers. */
const maxRange = 5000;
/** Sequence numbers remembered below the replayed horizon, for late duplicates. */
const seenWindow = 20_000;
/** A replay not answered within this long is asked for again (the request or its answer was lost). */
const replayTimeoutMs = 5000;

export class KamailioBacklog {
  private linked = false;
  /** Every copy Kamailio held up to here has been sent to this connection. */
  private replayedTo = 0;
  /** Replays go up to here. */
  private target = 0;
  /** Kamailio's last sequence number at the latest check. */
  private latest = 0;
  /** When the replay in progress was asked for (0: none in progress). */
  private replayingSince = 0;
  private readonly seen = new Set<number>();
  /** Kamailio's count of lost events at the last check (undefined before the first). */
  lostInKamailio?: number;
  /** Losses found by this agent's checks, added up: it goes on growing when Kamailio restarts and counts from 0. */
  lostSeen = 0;
  /** Whether the last check found new losses. */
  private losing = false;

  constructor(private readonly options: BacklogOptions) {}

  /** A new connection: fetch every copy Kamailio holds. */
  async connected(): Promise<void> {
    this.linked = true;
    this.replayingSince = 0;
    this.seen.clear();
    const counters = await this.check();
    if (!counters || !this.linked) return;
    this.replayedTo = Math.max(0, counters.seq - counters.bound);
    this.target = this.latest = counters.seq;
    this.requestReplay();
  }

  disconnected(): void {
    this.linked = false;
    this.replayingSince = 0;
  }

  /** An event arrived with this sequence number: false when this connection already had it. */
  accept(seq: number): boolean {
    if (this.seen.has(seq)) return false;
    this.seen.add(seq);
    return true;
  }

  /** These events' reports are on disk (or were dropped and counted): Kamailio may let go. */
  acknowledge(seqs: number[]): void {
    for (const [from, to] of ranges(seqs)) this.options.send(`ack:${from}:${to}`);
  }

  /** Kamailio finished a replay up to `to`. */
  replayed(to: number): void {
    this.replayingSince = 0;
    this.replayedTo = Math.max(this.replayedTo, to);
    for (const seq of this.seen) if (seq <= this.replayedTo - seenWindow) this.seen.delete(seq);
    this.requestReplay();
  }

  /**
   * The periodic check: reads Kamailio's counters, reports new losses, and asks for the copies
   * numbered up to the previous check that were not pushed (events still in flight have had a
   * whole period to arrive, so this asks for what was really missed).
   */
  async poll(): Promise<void> {
    if (!this.linked) return;
    const counters = await this.check();
    if (!counters || !this.linked) return;
    this.target = Math.max(this.target, this.latest);
    this.latest = counters.seq;
    this.requestReplay();
  }

  private requestReplay(): void {
    if (!this.linked || this.target <= this.replayedTo) return;
    if (this.replayingSince > 0 && Date.now() - this.replayingSince < replayTimeoutMs) return;
    const from = this.replayedTo + 1;
    const to = Math.min(this.target, from + (this.options.replayChunk ?? 2000) - 1);
    this.replayingSince = Date.now();
    this.options.send(`replay:${from}:${to}`);
  }

  private async check(): Promise<KamailioCounters | undefined> {
    try {
      const counters = await readCounters(this.options.rpc);
      const previous = this.lostInKamailio ?? 0;
      // A restarted Kamailio counts from 0 again.
      const fresh = counters.lost >= previous ? counters.lost - previous : counters.lost;
      this.lostInKamailio = counters.lost;
      this.lostSeen += fresh;
      // Logged once when the losses start and once when they stop, not at every check.
      if (fresh > 0 && !this.losing) {
        this.options.log.error(
          { lost: fresh, lostInKamailio: counters.lost, bound: counters.bound },
          'Kamailio is dropping event copies the agent has not received (its bound, or low shared memory): those calls will be incomplete in the store',
        );
      } else if (fresh === 0 && this.losing) {
        this.options.log.warn({ lostInKamailio: counters.lost }, 'Kamailio stopped dropping event copies');
      }
      this.losing = fresh > 0;
      return counters;
    } catch (error) {
      this.options.log.warn({ err: error }, "could not read Kamailio's event counters over JSON-RPC");
      return undefined;
    }
  }
}

export async function readCounters(rpc: KamailioRpc): Promise<KamailioCounters> {
  const slots = (await rpc.call('htable.dump', [counterTable])) as { slot?: { name?: string; value?: unknown }[] }[] | undefined;
  const values = new Map((slots ?? []).flatMap((slot) => slot.slot ?? []).map((entry) => [entry.name, Number(entry.value)]));
  const counter = (name: string) => (Number.isSafeInteger(values.get(name)) ? values.get(name)! : 0);
  return { seq: counter('seq'), lost: counter('lost'), bound: counter('bound') };
}

/** Sorted, contiguous runs of the numbers, each shorter than Kamailio's range cap. */
function ranges(seqs: number[]): [number, number][] {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const seq of sorted) {
    const last = runs.at(-1);
    if (last && seq === last[1] + 1 && seq - last[0] < maxRange - 1) last[1] = seq;
    else runs.push([seq, seq]);
  }
  return runs;
}
