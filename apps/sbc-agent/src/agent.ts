// The agent: Kamailio's dialog events in, session reports out through the on-disk outbox, and
// the API's terminate commands carried out on Kamailio. main.ts gives it its real dependencies;
// tests give it fakes.
import type { IngestReport, TerminateCommand } from '@sbc/client';
import type { Logger } from 'pino';
import type { AgentConfig } from './config.js';
import { parseDialogEvent, type DialogEvent } from './dialog-event.js';
import { EvapiLink } from './evapi-link.js';
import { startHealthServer, type HealthReport, type HealthServer } from './health.js';
import { endCall, keptEvents, type KamailioRpc } from './kamailio-rpc.js';
import { Outbox } from './outbox.js';
import { endedBySystem, toSessionReport, type MappingContext } from './session-report.js';
import { Shipper, type BatchReporter } from './shipper.js';
import { TerminateCommands, type EventSource } from './terminate-commands.js';

export interface AgentDeps {
  api: BatchReporter & EventSource;
  rpc: KamailioRpc;
  log: Logger;
}

export interface Agent {
  /** Where `GET /healthz` answers. */
  healthUrl: string;
  /** Graceful stop: no new events, deliver what is buffered (bounded), leave the rest on disk. */
  stop(): Promise<void>;
}

export async function startAgent(config: AgentConfig, deps: AgentDeps): Promise<Agent> {
  const { log } = deps;
  const context: MappingContext = { sbcServer: config.sbcServer, homeCountryCode: config.homeCountryCode };
  const outbox = Outbox.open(config.bufferDir, config.bufferMaxReports);
  if (outbox.size > 0) log.info({ buffered: outbox.size }, 'undelivered reports from the previous run');

  const shipper = new Shipper(outbox, deps.api, log.child({ part: 'shipper' }), {
    batchSize: config.batchSize,
    maxLatencyMs: config.batchMaxLatencyMs,
  });

  function enqueue(report: IngestReport): void {
    if (!outbox.push(report)) log.error({ callId: report.callId, buffered: outbox.size }, 'buffer full: report dropped');
  }

  // Calls being ended for the API: the end Kamailio reports for them (the 487 it answered, say)
  // is the system's doing, not the callee's.
  const endingForApi = new Set<string>();

  function receive(text: string): void {
    const event = parseDialogEvent(text);
    if (event) handle(event);
    else log.warn({ message: text.slice(0, 200) }, 'ignored a message that is not a dialog event');
  }

  function handle(event: DialogEvent): void {
    if (event.event === 'end' && endingForApi.has(event.callId)) event.by = 'S';
    const report = toSessionReport(event, context);
    if (report) enqueue(report);
    else log.warn({ callId: event.callId, time: event.time }, 'ignored a dialog event with an unreadable time');
  }

  /**
   * On every (re)connection, the events of the last minutes again: those that happened while no
   * agent was connected are delivered now, and the store ignores the ones it already has.
   */
  async function recover(): Promise<void> {
    try {
      const events = await keptEvents(deps.rpc);
      events.forEach(handle);
      log.info({ events: events.length }, 'replayed the recent events Kamailio kept');
    } catch (error) {
      log.warn({ err: error }, 'could not read the events Kamailio kept; calls during the disconnection may be missing');
    }
  }

  async function terminate(command: TerminateCommand): Promise<void> {
    endingForApi.add(command.callId);
    setTimeout(() => endingForApi.delete(command.callId), 60_000).unref();
    const { outcome, answers } = await endCall({ rpc: deps.rpc, sip: config.kamailioSip }, command.callId);
    log.info({ callId: command.callId, outcome, answers }, 'ended a call for the API');
    // The acknowledgement is the end report; for a call Kamailio no longer knows, the store keeps
    // whatever end was reported first.
    enqueue(endedBySystem(command.callId, context, new Date(), outcome === 'bye' ? 'BYE' : outcome === 'cancelled' ? '487' : undefined));
  }

  const evapi = new EvapiLink({ ...config.evapi, onMessage: receive, onConnect: () => void recover(), log: log.child({ part: 'evapi' }) });
  const commands = new TerminateCommands({
    source: deps.api,
    sbcServer: config.sbcServer,
    stateDir: config.bufferDir,
    handle: terminate,
    log: log.child({ part: 'commands' }),
  });

  function health(): HealthReport {
    const full = outbox.full;
    return {
      status: full ? 'degraded' : 'ok',
      kamailio: evapi.connected ? 'connected' : 'disconnected',
      commands: commands.following ? 'following' : 'retrying',
      buffered: outbox.size,
      dropped: outbox.droppedCount,
      ...shipper.state,
    };
  }

  const healthServer: HealthServer = await startHealthServer(config.health.host, config.health.port, health);
  shipper.start();
  evapi.start();
  commands.start();
  log.info({ health: healthServer.url, api: config.apiUrl, sbcServer: config.sbcServer }, 'sbc-agent started');

  return {
    healthUrl: healthServer.url,
    async stop() {
      evapi.close();
      await commands.stop();
      await shipper.stop(config.shutdownFlushMs);
      await healthServer.close();
      log.info({ buffered: outbox.size }, 'sbc-agent stopped');
    },
  };
}
