// The agent: Kamailio's dialog events in, session reports out through the on-disk outbox, and
// the API's terminate commands carried out on Kamailio. main.ts gives it its real dependencies;
// tests give it fakes.
import type { TerminateCommand } from '@sbc/client';
import type { Logger } from 'pino';
import type { AgentConfig } from './config.js';
import { parseDialogEvent } from './dialog-event.js';
import { EvapiLink } from './evapi-link.js';
import { startHealthServer, type HealthReport, type HealthServer } from './health.js';
import { Intake } from './intake.js';
import { AgentMetrics } from './metrics.js';
import { KamailioBacklog } from './kamailio-backlog.js';
import { endCall, type KamailioRpc } from './kamailio-rpc.js';
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

/** How often the agent checks Kamailio's counters and asks for the events it did not get. */
const backlogPollMs = 500;

export async function startAgent(config: AgentConfig, deps: AgentDeps): Promise<Agent> {
  const { log } = deps;
  const context: MappingContext = { sbcServer: config.sbcServer, homeCountryCode: config.homeCountryCode };
  const outbox = Outbox.open(config.bufferDir, config.bufferMaxReports, (details, message) => log.error(details, message));
  if (outbox.size > 0) log.info({ buffered: outbox.size }, 'undelivered reports from the previous run');

  const shipper = new Shipper(outbox, deps.api, log.child({ part: 'shipper' }), {
    batchSize: config.batchSize,
    maxLatencyMs: config.batchMaxLatencyMs,
    onDelivered: (waitedSeconds) => metrics.delivered(waitedSeconds),
  });

  const intake = new Intake(outbox, (seqs) => backlog.acknowledge(seqs), log);

  // Calls being ended for the API: the end Kamailio reports for them (the 487 it answered, say)
  // is the system's doing, not the callee's.
  const endingForApi = new Set<string>();

  function receive(text: string): void {
    const replayed = /^replayed:([0-9]+)$/.exec(text);
    if (replayed) return backlog.replayed(Number(replayed[1]));
    const event = parseDialogEvent(text);
    if (!event) return void log.warn({ message: text.slice(0, 200) }, 'ignored a message that is not a dialog event');
    const seq = event.seq === undefined ? undefined : Number(event.seq);
    if (seq !== undefined && !backlog.accept(seq)) return;
    if (event.event === 'end' && endingForApi.has(event.callId)) event.by = 'S';
    const report = toSessionReport(event, context);
    if (!report) log.warn({ callId: event.callId, time: event.time }, 'ignored a dialog event with an unreadable time');
    intake.take({ ...(report ? { report } : {}), ...(seq === undefined ? {} : { seq }) });
  }

  async function terminate(command: TerminateCommand): Promise<void> {
    endingForApi.add(command.callId);
    setTimeout(() => endingForApi.delete(command.callId), 60_000).unref();
    const { outcome, answers } = await endCall({ rpc: deps.rpc, sip: config.kamailioSip }, command.callId);
    log.info({ callId: command.callId, outcome, answers }, 'ended a call for the API');
    // The acknowledgement is the end report; for a call Kamailio no longer knows, the store keeps
    // whatever end was reported first.
    intake.take({ report: endedBySystem(command.callId, context, new Date(), outcome === 'bye' ? 'BYE' : outcome === 'cancelled' ? '487' : undefined) });
  }

  const evapi = new EvapiLink({
    ...config.evapi,
    onMessage: receive,
    onConnect: () => void backlog.connected(),
    onDisconnect: () => backlog.disconnected(),
    log: log.child({ part: 'evapi' }),
  });
  const backlog = new KamailioBacklog({ rpc: deps.rpc, send: (text) => evapi.send(text), log: log.child({ part: 'backlog' }) });
  const backlogTimer = setInterval(() => void backlog.poll(), backlogPollMs);
  const commands = new TerminateCommands({
    source: deps.api,
    sbcServer: config.sbcServer,
    stateDir: config.bufferDir,
    handle: terminate,
    log: log.child({ part: 'commands' }),
  });

  function health(): HealthReport {
    const problems = [
      ...(evapi.connected ? [] : ['Kamailio evapi unreachable: no events arrive']),
      ...(outbox.full ? ['buffer full: reports are dropped'] : []),
    ];
    return {
      status: problems.length === 0 ? 'ok' : 'degraded',
      ...(problems.length > 0 ? { problems } : {}),
      kamailio: evapi.connected ? 'connected' : 'disconnected',
      commands: commands.following ? 'following' : 'retrying',
      buffered: outbox.size,
      dropped: outbox.droppedCount,
      lostInKamailio: backlog.lostInKamailio ?? 0,
      ...shipper.state,
    };
  }

  const metrics = new AgentMetrics({
    buffered: () => outbox.size,
    dropped: () => outbox.droppedCount,
    delivered: () => shipper.state.delivered,
    rejected: () => shipper.state.rejected,
    lostInKamailio: () => backlog.lostSeen,
    kamailioConnected: () => evapi.connected,
    commandStreamFollowing: () => commands.following,
  });
  const healthServer: HealthServer = await startHealthServer(config.health.host, config.health.port, health, metrics);
  shipper.start();
  evapi.start();
  commands.start();
  log.info({ health: healthServer.url, api: config.apiUrl, sbcServer: config.sbcServer }, 'sbc-agent started');

  return {
    healthUrl: healthServer.url,
    async stop() {
      // What arrived is flushed and acknowledged before the link closes, so Kamailio keeps no copy of it.
      intake.flush();
      evapi.close();
      clearInterval(backlogTimer);
      await commands.stop();
      await shipper.stop(config.shutdownFlushMs);
      outbox.close();
      await healthServer.close();
      log.info({ buffered: outbox.size }, 'sbc-agent stopped');
    },
  };
}
