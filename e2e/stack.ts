// The system under test, on free loopback ports: the server (temporary SQLite database), Kamailio
// with the reference config, the sbc-agent beside it, and sipp callers and callees placing calls
// through Kamailio. Shared by the end-to-end suite and the load stage.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSbcClient, type SbcClient, type SbcEvent, type Session } from '../packages/client/dist/index.js';
import { freeMediaPortBlock, freeTcpPort, freeUdpPort, Processes, udpPortBound, waitFor, type Child } from './processes.js';

const root = resolve(import.meta.dirname, '..');
const scenario = (name: string) => join(import.meta.dirname, 'scenarios', name);

export const caller = '+4581808888';
export const callee = '+4580808080';

export interface CallRun {
  uas: Child;
  uac: Child;
  /** sipp's own statistics file of the caller (`-trace_stat`). */
  statsFile: string;
}

export interface CallOptions {
  count?: number;
  rate?: number;
  holdMs?: number;
}

/** What the agent's /healthz answers. */
export interface AgentHealth {
  status: string;
  kamailio: string;
  buffered: number;
  dropped: number;
  rejected: number;
  lostInKamailio: number;
  problems?: string[];
}

/** Kamailio's `core.shmmem`, in bytes. */
export interface SharedMemory {
  total: number;
  free: number;
  used: number;
  real_used: number;
  max_used: number;
}

/** Kamailio's shared memory in use (bytes) over a stretch of time, and the most event copies it held. */
export interface KamailioWatch {
  startUsed: number;
  peakUsed: number;
  endUsed: number;
  total: number;
  peakHeld: number;
}

export class Stack {
  readonly work = mkdtempSync(join(tmpdir(), 'sbc-e2e-'));
  readonly processes = new Processes(this.work, process.env['E2E_PID_FILE'] ?? join(this.work, 'pids'));
  /** Every event of /sbc/events since the start, and when each arrived (ms). */
  readonly events: { event: SbcEvent; at: number }[] = [];
  api!: SbcClient;
  sipPort = 0;
  healthUrl = '';
  private apiUrl = '';
  private rpcUrl = '';
  private server?: Child;
  private agent?: Child;
  private agentEnv: Record<string, string> = {};
  private readonly watching = new AbortController();

  /** Starts everything; `agentEnv` adds to (or overrides) the agent's environment. */
  async start(agentEnv: Record<string, string> = {}): Promise<void> {
    const [apiPort, rpcPort, evapiPort, healthPort] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
    this.sipPort = await freeUdpPort();
    this.apiUrl = `http://127.0.0.1:${apiPort}`;
    this.rpcUrl = `http://127.0.0.1:${rpcPort}/RPC`;
    this.healthUrl = `http://127.0.0.1:${healthPort}/healthz`;

    const sbcToken = this.admin('token', 'create', '--level', 'SBC', '--sbc-server', '127.0.0.1', '--name', 'e2e-sbc');
    const adminToken = this.admin('token', 'create', '--level', 'ADMIN', '--name', 'e2e-admin');
    await this.startServer();

    // Kamailio as the README runs it, with its default shared memory (64 MB) unless the load
    // stage is told otherwise.
    this.processes.start('kamailio', 'kamailio', [
      '-f', join(root, 'deploy/kamailio/kamailio.cfg'),
      '-DD', '-E', '-m', process.env['E2E_KAMAILIO_SHM_MB'] ?? '64', '-M', '8', '-Y', this.work, '-w', this.work,
      '-A', `SIP_PORT=${this.sipPort}`, '-A', `RPC_PORT=${rpcPort}`, '-A', `EVAPI_BIND="127.0.0.1:${evapiPort}"`,
    ]);
    await waitFor('Kamailio JSON-RPC', async () => ((await this.rpc('core.version').catch(() => undefined)) ? true : undefined));

    this.agentEnv = {
      SBC_API_URL: this.apiUrl,
      SBC_API_TOKEN: sbcToken,
      SBC_SERVER_IP: '127.0.0.1',
      KAMAILIO_EVAPI_ADDRESS: `127.0.0.1:${evapiPort}`,
      KAMAILIO_RPC_URL: this.rpcUrl,
      KAMAILIO_SIP_ADDRESS: `127.0.0.1:${this.sipPort}`,
      SBC_AGENT_BUFFER_DIR: join(this.work, 'agent-buffer'),
      SBC_AGENT_HEALTH_ADDRESS: `127.0.0.1:${healthPort}`,
      SBC_AGENT_BATCH_MAX_LATENCY_MS: '50',
      LOG_LEVEL: 'info',
      ...agentEnv,
    };
    await this.startAgent();

    this.api = createSbcClient({ baseUrl: this.apiUrl, token: adminToken });
    void this.watch();
  }

  async stop(): Promise<void> {
    this.watching.abort();
    await this.processes.stopAll();
    console.log(`e2e logs: ${this.work}`);
  }

  async startServer(): Promise<void> {
    this.server = this.processes.start('server', 'node', [join(root, 'apps/server/dist/main.js')], {
      PORT: this.apiUrl.split(':').at(-1)!,
      HOST: '127.0.0.1',
      SBC_DB: join(this.work, 'sessions.db'),
      LOG_LEVEL: 'warn',
    });
    await waitFor('the server', async () => ((await fetch(`${this.apiUrl}/readyz`)).ok ? true : undefined));
  }

  async stopServer(): Promise<void> {
    this.server!.process.kill('SIGTERM');
    await this.server!.exited;
  }

  async startAgent(env: Record<string, string> = {}): Promise<void> {
    this.agent = this.processes.start('agent', 'node', [join(root, 'apps/sbc-agent/dist/main.js')], { ...this.agentEnv, ...env });
    await waitFor('the agent connected to Kamailio', async () => ((await this.health()).kamailio === 'connected' ? true : undefined));
  }

  /** Stops the agent gracefully; resolves with its exit code. */
  async stopAgent(): Promise<number> {
    this.agent!.process.kill('SIGTERM');
    return this.agent!.exited;
  }

  async health(): Promise<AgentHealth> {
    return (await (await fetch(this.healthUrl)).json()) as AgentHealth;
  }

  async rpc(method: string, params: unknown[] = []): Promise<unknown> {
    const response = await fetch(this.rpcUrl, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }) });
    return ((await response.json()) as { result?: unknown }).result;
  }

  async sharedMemory(): Promise<SharedMemory> {
    return (await this.rpc('core.shmmem')) as SharedMemory;
  }

  /** Event copies Kamailio holds for the agent right now (the `sbcev` table's items). */
  async heldCopies(): Promise<number> {
    const tables = (await this.rpc('htable.stats')) as { name: string; all: number }[];
    return tables.find((table) => table.name === 'sbcev')?.all ?? 0;
  }

  /** Samples Kamailio's shared memory and held copies every `everyMs` until `stop()`. */
  watchKamailio(everyMs = 500): { stop(): Promise<KamailioWatch> } {
    const watch: KamailioWatch = { startUsed: 0, peakUsed: 0, endUsed: 0, total: 0, peakHeld: 0 };
    let running = true;
    const sample = async () => {
      const [memory, held] = await Promise.all([this.sharedMemory(), this.heldCopies()]);
      if (watch.total === 0) watch.startUsed = memory.real_used;
      watch.total = memory.total;
      watch.peakUsed = Math.max(watch.peakUsed, memory.real_used);
      watch.endUsed = memory.real_used;
      watch.peakHeld = Math.max(watch.peakHeld, held);
    };
    const loop = (async () => {
      while (running) {
        await sample().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
      await sample();
    })();
    return {
      async stop() {
        running = false;
        await loop;
        return watch;
      },
    };
  }

  /** One callee (sipp UAS) and one caller (sipp UAC) through Kamailio; Call-IDs are `<prefix>-<n>@127.0.0.1`. */
  async calls(uasScenario: string, uacScenario: string, prefix: string, options: CallOptions = {}): Promise<CallRun> {
    const count = String(options.count ?? 1);
    const hold = String(options.holdMs ?? 300);
    const rate = options.rate ?? 0;
    const [uasPort, uacPort, uasMedia, uacMedia] = [await freeUdpPort(), await freeUdpPort(), await freeMediaPortBlock(), await freeMediaPortBlock()];
    const common = ['-i', '127.0.0.1', '-m', count, '-nostdin', '-timeout', '120s', '-timeout_error', '-d', hold, '-trace_err'];
    const uas = this.processes.start(`${prefix}-uas`, 'sipp', ['-sf', scenario(uasScenario), '-p', String(uasPort), '-mp', String(uasMedia), ...common]);
    await udpPortBound(uasPort);
    const statsFile = join(this.work, `${prefix}-uac-stats.csv`);
    const uac = this.processes.start(`${prefix}-uac`, 'sipp', [
      `127.0.0.1:${uasPort}`, '-rsa', `127.0.0.1:${this.sipPort}`, '-sf', scenario(uacScenario), '-s', callee,
      '-p', String(uacPort), '-mp', String(uacMedia), '-cid_str', `${prefix}-%u@127.0.0.1`,
      '-trace_stat', '-stf', statsFile, '-fd', '1',
      ...(rate ? ['-r', String(rate), '-l', String(Math.max(500, rate * 4))] : []),
      ...common,
    ]);
    return { uas, uac, statsFile };
  }

  /** The sessions whose Call-ID starts with `prefix-` and that have ended in the store. */
  async endedSessions(prefix: string): Promise<Session[]> {
    const sessions: Session[] = [];
    for await (const session of this.api.listAllSessions({ full: true, number: caller })) {
      if (session.callId.startsWith(`${prefix}-`) && (session as Session).ended) sessions.push(session);
    }
    return sessions;
  }

  /** Waits until `count` calls of `prefix` have ended in the store. */
  async waitForEnded(prefix: string, count: number, timeoutMs = 60_000): Promise<Session[]> {
    return waitFor(`${count} ${prefix} calls ended in the store`, async () => {
      const sessions = await this.endedSessions(prefix);
      return sessions.length >= count ? sessions : undefined;
    }, timeoutMs, 1000);
  }

  private admin(...args: string[]): string {
    const out = execFileSync('node', [join(root, 'apps/server/dist/admin.js'), ...args], {
      env: { ...process.env, SBC_DB: join(this.work, 'sessions.db') },
    });
    return out.toString().trim().split('\n').at(-1)!;
  }

  /** Follows /sbc/events from the start, resuming after an outage of the server. */
  private async watch(): Promise<void> {
    let lastEventId = 0;
    while (!this.watching.signal.aborted) {
      try {
        for await (const event of this.api.events({ signal: this.watching.signal, lastEventId })) {
          this.events.push({ event, at: Date.now() });
          lastEventId = event.id;
        }
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
}

/** sipp's final counts from its `-trace_stat` file. */
export function callCounts(run: CallRun): { successful: number; failed: number; elapsedSeconds: number } {
  const lines = readFileSync(run.statsFile, 'utf8').trim().split('\n');
  const header = lines[0]!.split(';');
  const last = lines.at(-1)!.split(';');
  const column = (name: string) => last[header.indexOf(name)] ?? '';
  const seconds = (hms: string) => hms.split(':').reduce((total, part) => total * 60 + Number(part), 0);
  return {
    successful: Number(column('SuccessfulCall(C)')),
    failed: Number(column('FailedCall(C)')),
    elapsedSeconds: seconds(column('ElapsedTime(C)').split('.')[0]!) + Number(`0.${column('ElapsedTime(C)').split('.')[1] ?? 0}`),
  };
}
