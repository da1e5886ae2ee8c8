// GET /metrics on the health address: the agent's state in the Prometheus text format
// (prom-client), read from the parts that own it when Prometheus scrapes, plus the delivery
// latency, observed as batches are delivered.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Where the metrics read the agent's state at each scrape. */
export interface AgentState {
  buffered: () => number;
  /** Each count only grows while the agent runs. */
  dropped: () => number;
  delivered: () => number;
  rejected: () => number;
  lostInKamailio: () => number;
  kamailioConnected: () => boolean;
  commandStreamFollowing: () => boolean;
}

/**
 * The process and Node.js collectors (memory, CPU, event-loop lag, GC) describe the process, not
 * one agent: registered once, by the first agent of the process (tests start many).
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class AgentMetrics {
  private readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private readonly deliverySeconds: Histogram;

  constructor(state: AgentState) {
    const registers = [this.registry];
    processMetrics();
    /** A counter that follows a count the agent keeps, so the two never disagree. */
    const countOf = (name: string, help: string, count: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(count());
        },
      });
    const flag = (value: () => boolean) => ({
      collect(this: Gauge) {
        this.set(value() ? 1 : 0);
      },
    });

    new Gauge({
      name: 'sbc_agent_reports_buffered',
      help: 'Reports in the on-disk buffer, waiting for delivery.',
      registers,
      collect() {
        this.set(state.buffered());
      },
    });
    countOf('sbc_agent_reports_dropped_total', 'Reports dropped because the buffer was full.', state.dropped);
    countOf('sbc_agent_reports_delivered_total', 'Reports the API accepted.', state.delivered);
    countOf('sbc_agent_reports_rejected_total', 'Reports the API refused (one by one in its answer, or a whole batch it refused as invalid); they are not retried.', state.rejected);
    countOf(
      'sbc_agent_events_lost_in_kamailio_total',
      'Event copies Kamailio dropped before the agent got them (its bound, or low shared memory), counted at the agent\'s checks of Kamailio\'s counters.',
      state.lostInKamailio,
    );
    new Gauge({ name: 'sbc_agent_kamailio_connected', help: 'Whether the evapi connection to Kamailio is up (1) or not (0).', registers, ...flag(state.kamailioConnected) });
    new Gauge({
      name: 'sbc_agent_command_stream_connected',
      help: "Whether the agent follows the API's event stream for terminate commands (1: connected, or reconnecting within the client's retries) or waits to subscribe again after it failed (0).",
      registers,
      ...flag(state.commandStreamFollowing),
    });
    this.deliverySeconds = new Histogram({
      name: 'sbc_agent_delivery_seconds',
      help: "Time from a report's arrival at the agent to the API's 2xx answer to the batch that carried it (reports read back from disk at start excepted).",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
  }

  delivered(waitedSeconds: readonly number[]): void {
    for (const seconds of waitedSeconds) this.deliverySeconds.observe(seconds);
  }

  async render(): Promise<string> {
    const [process, own] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return process + own;
  }
}
