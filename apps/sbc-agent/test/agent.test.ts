import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSbcClient, type IngestReport, type SbcEvent, type TerminateCommand } from '@sbc/client';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgent, type Agent, type AgentDeps } from '../src/agent.js';
import { loadConfig } from '../src/config.js';
import { TerminateCommands } from '../src/terminate-commands.js';
import { startFakeApi, type FakeApi as FakeHttpApi } from './fake-api.js';

/**
 * Kamailio's evapi end: the agent connects to it, the test writes netstrings to the agent. Like
 * the reference config, it keeps the `held` events by sequence number, drops those acknowledged,
 * and answers a replay request with the held events of the range.
 */
class FakeEvapi {
  readonly server: Server = createServer((socket) => {
    this.sockets.push(socket);
    socket.on('data', (chunk: Buffer) => {
      for (const message of chunk.toString().match(/[0-9]+:[^,]*,/g) ?? []) this.receive(message.slice(message.indexOf(':') + 1, -1));
    });
  });
  readonly sockets: Socket[] = [];
  readonly received: string[] = [];
  readonly held = new Map<number, object>();
  onAck?: () => void;
  port = 0;
  private receive(message: string) {
    this.received.push(message);
    const [op, from, to] = message.split(':');
    for (let seq = Number(from); seq <= Number(to); seq++) {
      if (op === 'ack') this.held.delete(seq);
      else if (op === 'replay' && this.held.has(seq)) this.relay(this.held.get(seq)!);
    }
    if (op === 'replay') this.sockets[0]!.write(`${`replayed:${to}`.length}:replayed:${to},`);
    if (op === 'ack') this.onAck?.();
  }
  async listen() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as { port: number }).port;
  }
  relay(event: object) {
    const text = JSON.stringify(event);
    this.sockets[0]!.write(`${Buffer.byteLength(text)}:${text},`);
  }
  async close() {
    this.sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** The API: records batches, and streams the terminate commands the test pushes. */
class FakeApi {
  readonly reports: IngestReport[] = [];
  private readonly commands: SbcEvent[] = [];
  private wake?: () => void;
  private waiters: (() => void)[] = [];
  async reportBatch(reports: IngestReport[]) {
    this.reports.push(...reports);
    this.waiters.splice(0).forEach((resolve) => resolve());
    const results = reports.map((report) => ({ callId: report.callId, result: 'created' as const }));
    return { created: reports.length, updated: 0, unchanged: 0, rejected: 0, results };
  }
  async *events(options: { signal?: AbortSignal }): AsyncGenerator<SbcEvent> {
    while (!options.signal?.aborted) {
      const next = this.commands.shift();
      if (next) yield next;
      else await new Promise<void>((resolve) => {
        this.wake = resolve;
        options.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }
  command(callId: string, sbcServer = '10.0.0.5') {
    const command: TerminateCommand = { id: this.commands.length + 1, type: 'terminate', callId, sbcServer, time: new Date().toISOString() };
    this.commands.push(command);
    this.wake?.();
  }
  /** Resolves once a report matching `match` was delivered. */
  async delivered(match: (report: IngestReport) => boolean): Promise<IngestReport> {
    for (;;) {
      const found = this.reports.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

class FakeRpc {
  /** The calls that act on dialogs (reading Kamailio's counters is not one). */
  readonly calls: { method: string; params: unknown[] }[] = [];
  constructor(
    private readonly dialogState: number | undefined,
    readonly counters: { seq: number; lost: number; bound: number } = { seq: 0, lost: 0, bound: 1000 },
  ) {}
  async call(method: string, params: unknown[] = []) {
    if (method === 'htable.dump') return [{ entry: 0, size: 3, slot: Object.entries(this.counters).map(([name, value]) => ({ name, value, type: 'int' })) }];
    this.calls.push({ method, params });
    if (method === 'dlg.dlg_list') {
      if (this.dialogState === undefined) return {};
      return {
        h_entry: 7,
        h_id: 42,
        state: this.dialogState,
        from_uri: 'sip:+4581808888@10.1.1.1',
        to_uri: 'sip:+4580808080@10.0.0.5',
        caller: { tag: 'ft', contact: 'sip:caller@10.1.1.1:5062', cseq: '3', route_set: '' },
        callee: { tag: 'tt', contact: 'sip:callee@10.2.2.2', cseq: '0', route_set: '<sip:edge.example;lr>' },
      };
    }
    return {};
  }
}

/** Kamailio's SIP socket: answers every request 200 and keeps what it received. */
class FakeSipProxy {
  readonly socket = createSocket('udp4');
  readonly requests: string[] = [];
  port = 0;
  async listen() {
    this.socket.on('message', (data, from) => {
      const request = data.toString();
      this.requests.push(request);
      const via = /^Via: .*$/m.exec(request)![0];
      this.socket.send(`SIP/2.0 200 OK\r\n${via}\r\nContent-Length: 0\r\n\r\n`, from.port, from.address);
    });
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()));
    this.port = this.socket.address().port;
  }
  /** The requests without their Via (it carries a random branch). */
  received() {
    return this.requests.map((request) => request.replace(/^Via: .*\r\n/m, ''));
  }
}

const log = pino({ level: 'silent' });

function journalText(): string {
  return readdirSync(bufferDir)
    .filter((name) => name.startsWith('journal-'))
    .map((name) => readFileSync(join(bufferDir, name), 'utf8'))
    .join('');
}

async function waitFor<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
let evapi: FakeEvapi;
let sip: FakeSipProxy;
let agent: Agent | undefined;

let bufferDir: string;

async function start(api: AgentDeps['api'], rpc: FakeRpc, logger = log, settings: Record<string, string> = {}): Promise<Agent> {
  bufferDir = mkdtempSync(join(tmpdir(), 'sbc-agent-test-'));
  const config = loadConfig({
    SBC_API_URL: 'http://127.0.0.1:1',
    SBC_API_TOKEN: 'sbc-token',
    SBC_SERVER_IP: '10.0.0.5',
    KAMAILIO_EVAPI_ADDRESS: `127.0.0.1:${evapi.port}`,
    KAMAILIO_SIP_ADDRESS: `127.0.0.1:${sip.port}`,
    SBC_AGENT_BUFFER_DIR: bufferDir,
    SBC_AGENT_HEALTH_ADDRESS: '127.0.0.1:0',
    SBC_AGENT_BATCH_MAX_LATENCY_MS: '10',
    ...settings,
  });
  agent = await startAgent(config, { api, rpc, log: logger });
  while (evapi.sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  return agent;
}

beforeEach(async () => {
  evapi = new FakeEvapi();
  await evapi.listen();
  sip = new FakeSipProxy();
  await sip.listen();
});

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await evapi.close();
  sip.socket.close();
});

describe('the agent', () => {
  it('delivers the dialog events Kamailio relays over evapi as session reports, in order', async () => {
    const api = new FakeApi();
    await start(api, new FakeRpc(4));
    evapi.relay({ event: 'start', callId: 'c1', time: '1700000000.0', from: 'sip:+4581808888@h', to: 'sip:+4580808080@h' });
    evapi.relay({ event: 'answer', callId: 'c1', time: '1700000001.0' });
    evapi.relay({ event: 'end', callId: 'c1', time: '1700000002.0', reason: 'BYE', by: 'A' });
    await api.delivered((report) => report.ended !== undefined);
    expect(api.reports.map((report) => Object.keys(report).find((key) => ['started', 'answered', 'ended'].includes(key)))).toEqual(['started', 'answered', 'ended']);
  });

  it('on connecting, fetches the events Kamailio still holds, so calls made while the agent was away are not lost', async () => {
    const api = new FakeApi();
    evapi.held.set(1, { event: 'start', callId: 'missed', time: '1700000000.0', to: 'sip:+4580808080@h', seq: '1' });
    evapi.held.set(2, { event: 'answer', callId: 'missed', time: '1700000000.0', seq: '2' });
    evapi.held.set(3, { event: 'end', callId: 'missed', time: '1700000009.0', reason: 'BYE', by: 'B', seq: '3' });
    await start(api, new FakeRpc(4, { seq: 3, lost: 0, bound: 1000 }));
    await api.delivered((report) => report.ended !== undefined);
    expect(evapi.received[0]).toBe('replay:1:3');
    expect(api.reports).toEqual([
      expect.objectContaining({ callId: 'missed', started: '2023-11-14T22:13:20.000Z', bNumber: '+4580808080' }),
      expect.objectContaining({ callId: 'missed', answered: '2023-11-14T22:13:20.000Z' }),
      expect.objectContaining({ callId: 'missed', ended: '2023-11-14T22:13:29.000Z', endedBy: 'B' }),
    ]);
  });

  it('acknowledges events to Kamailio only once their reports are on disk, so Kamailio can drop its copies', async () => {
    const api = new FakeApi();
    // Held back from delivery, so the report is still in the journal when the ack reaches Kamailio.
    await start(api, new FakeRpc(4), log, { SBC_AGENT_BATCH_MAX_LATENCY_MS: '60000' });
    const onDiskAtAck = new Promise<string>((resolve) => (evapi.onAck = () => resolve(journalText())));
    evapi.relay({ event: 'start', callId: 'c7', time: '1700000000.0', seq: '1' });
    expect(await onDiskAtAck).toMatch(/"callId":"c7"/);
    expect(evapi.received).toContain('ack:1:1');
  });

  it('fetches the events Kamailio held back instead of pushing (the agent was behind) at its next check', async () => {
    const api = new FakeApi();
    const rpc = new FakeRpc(4);
    await start(api, rpc);
    // Event 2 was kept but not pushed: Kamailio pushes only while the agent keeps up.
    evapi.held.set(2, { event: 'answer', callId: 'behind', time: '1700000001.0', seq: '2' });
    evapi.relay({ event: 'start', callId: 'behind', time: '1700000000.0', seq: '1' });
    evapi.relay({ event: 'end', callId: 'behind', time: '1700000002.0', reason: 'BYE', by: 'A', seq: '3' });
    rpc.counters.seq = 3;
    expect(await api.delivered((report) => report.answered !== undefined)).toMatchObject({ callId: 'behind' });
    expect(evapi.received).toContain('replay:1:3');
  });

  it('takes an event it already has only once, when Kamailio pushes it and also replays it', async () => {
    const api = new FakeApi();
    const start1 = { event: 'start', callId: 'twice', time: '1700000000.0', seq: '1' };
    evapi.held.set(1, start1);
    const rpc = new FakeRpc(4, { seq: 1, lost: 0, bound: 1000 });
    await start(api, rpc);
    evapi.relay(start1);
    evapi.relay({ event: 'end', callId: 'twice', time: '1700000001.0', reason: 'BYE', by: 'A', seq: '2' });
    await api.delivered((report) => report.ended !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(api.reports.filter((report) => report.started)).toHaveLength(1);
  });

  it('reports the events Kamailio had to drop before the agent got them, in /healthz and the log', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const started = await start(new FakeApi(), new FakeRpc(4, { seq: 10, lost: 7, bound: 1000 }), logger);
    const health = await waitFor(async () => {
      const body = (await (await fetch(`${started.healthUrl}/healthz`)).json()) as { lostInKamailio: number };
      return body.lostInKamailio === 7 ? body : undefined;
    });
    expect(health.lostInKamailio).toBe(7);
    expect(lines.filter((line) => line.includes('"lostInKamailio":7') && line.includes('Kamailio is dropping event copies'))).toHaveLength(1);
  });

  it('ends an answered call on a terminate command with a BYE to each side through the SBC, and reports endedBy S', async () => {
    const api = new FakeApi();
    const rpc = new FakeRpc(4);
    await start(api, rpc);
    api.command('c2');
    const report = await api.delivered((r) => r.callId === 'c2');
    expect(rpc.calls).toEqual([{ method: 'dlg.dlg_list', params: ['c2'] }]);
    const reason = 'Reason: SIP;cause=200;text="Call ended through the SBC session API"\r\nUser-Agent: sbc-agent\r\nContent-Length: 0\r\n\r\n';
    expect(sip.received().sort()).toEqual([
      `BYE sip:callee@10.2.2.2 SIP/2.0\r\nMax-Forwards: 70\r\nRoute: <sip:127.0.0.1:${sip.port};lr;ftag=ft>, <sip:edge.example;lr>\r\n` +
        'From: <sip:+4581808888@10.1.1.1>;tag=ft\r\nTo: <sip:+4580808080@10.0.0.5>;tag=tt\r\nCall-ID: c2\r\nCSeq: 4 BYE\r\n' + reason,
      `BYE sip:caller@10.1.1.1:5062 SIP/2.0\r\nMax-Forwards: 70\r\nRoute: <sip:127.0.0.1:${sip.port};lr;ftag=ft>\r\n` +
        'From: <sip:+4580808080@10.0.0.5>;tag=tt\r\nTo: <sip:+4581808888@10.1.1.1>;tag=ft\r\nCall-ID: c2\r\nCSeq: 1 BYE\r\n' + reason,
    ]);
    expect(report).toMatchObject({ endedBy: 'S', endedReason: 'BYE', sbcServer: '10.0.0.5' });
  });

  it('answers a call that still rings 487 (the dialog module cannot BYE it), and counts that end as the system’s', async () => {
    const api = new FakeApi();
    const rpc = new FakeRpc(2);
    await start(api, rpc);
    api.command('c3');
    await api.delivered((r) => r.callId === 'c3');
    expect(rpc.calls[1]).toEqual({ method: 'tm.reply_callid', params: [487, 'Request Terminated', 'c3', '3', 'tt', '.'] });
    // Kamailio then reports the 487 it sent as the call's end.
    evapi.relay({ event: 'end', callId: 'c3', time: '1700000002.0', reason: '487', by: 'B' });
    const kamailiosEnd = await api.delivered((r) => r.callId === 'c3' && r.endedReason === '487' && r.ended !== api.reports[0]!.ended);
    expect(kamailiosEnd.endedBy).toBe('S');
  });

  it('acknowledges a command for a call Kamailio no longer has by reporting its end', async () => {
    const api = new FakeApi();
    const rpc = new FakeRpc(undefined);
    await start(api, rpc);
    api.command('gone');
    expect(await api.delivered((r) => r.callId === 'gone')).toMatchObject({ endedBy: 'S' });
    expect(rpc.calls.map((call) => call.method)).toEqual(['dlg.dlg_list']);
  });

  it('ignores terminate commands meant for another SBC node', async () => {
    const api = new FakeApi();
    const rpc = new FakeRpc(4);
    await start(api, rpc);
    api.command('not-mine', '10.9.9.9');
    api.command('mine');
    await api.delivered((r) => r.callId === 'mine');
    expect(api.reports.map((r) => r.callId)).toEqual(['mine']);
  });

  it('answers /healthz with the Kamailio link and the buffer', async () => {
    const started = await start(new FakeApi(), new FakeRpc(4));
    const response = await fetch(`${started.healthUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', kamailio: 'connected', buffered: 0, dropped: 0, lostInKamailio: 0 });
  });

  it('answers /healthz 503 while Kamailio is unreachable, and logs that once, not once per retry', async () => {
    await evapi.close();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const config = loadConfig({
      SBC_API_URL: 'http://127.0.0.1:1',
      SBC_API_TOKEN: 'sbc-token',
      SBC_SERVER_IP: '10.0.0.5',
      KAMAILIO_EVAPI_ADDRESS: `127.0.0.1:${evapi.port}`,
      SBC_AGENT_BUFFER_DIR: mkdtempSync(join(tmpdir(), 'sbc-agent-test-')),
      SBC_AGENT_HEALTH_ADDRESS: '127.0.0.1:0',
    });
    agent = await startAgent(config, { api: new FakeApi(), rpc: new FakeRpc(4), log: logger });
    const healthUrl = agent.healthUrl;
    const response = await waitFor(async () => {
      const answer = await fetch(`${healthUrl}/healthz`);
      if (answer.status === 503) return answer;
      await answer.arrayBuffer();
      return undefined;
    });
    expect(await response.json()).toMatchObject({ status: 'degraded', kamailio: 'disconnected', problems: ['Kamailio evapi unreachable: no events arrive'] });
    // Long enough for several reconnection attempts, each of which must stay silent.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lines.filter((line) => line.includes('Kamailio evapi is unreachable'))).toHaveLength(1);
    evapi = new FakeEvapi();
    await evapi.listen();
  });
});

describe('/metrics on the health address', () => {
  /** The value of a sample (a metric name with its labels, as exposed), undefined when absent. */
  async function sample(name: string): Promise<number | undefined> {
    const text = await (await fetch(`${agent!.healthUrl}/metrics`)).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.slice(name.length + 1));
  }
  const until = (name: string, value: number) => waitFor(async () => ((await sample(name)) === value ? value : undefined));

  /** The agent's deliveries go to the HTTP fake of test/fake-api.ts, without the client's own retries. */
  function overHttp(http: FakeHttpApi, events = new FakeApi()): AgentDeps['api'] {
    const client = createSbcClient({ baseUrl: http.url, token: 'sbc-token', retries: 0 });
    return { reportBatch: (reports) => client.reportBatch(reports), events: (options) => events.events(options) };
  }

  it('declares every sbc_agent_ metric the Grafana dashboard queries, beside the process and Node.js collectors', async () => {
    const dashboard = readFileSync(new URL('../../../deploy/grafana/sbc-session-api.json', import.meta.url), 'utf8');
    const queried = new Set([...dashboard.matchAll(/\bsbc_agent_\w+/g)].map(([name]) => name.replace(/_(bucket|sum|count)$/, '')));
    await start(new FakeApi(), new FakeRpc(4));
    const response = await fetch(`${agent!.healthUrl}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const declared = new Set([...(await response.text()).matchAll(/^# TYPE (\S+) \S+$/gm)].map((match) => match[1]!));
    expect(queried.size).toBeGreaterThan(5);
    expect([...queried].filter((name) => !declared.has(name))).toEqual([]);
    expect(declared).toContain('process_start_time_seconds');
    expect(declared).toContain('nodejs_eventloop_lag_seconds');
  });

  it('counts reports buffered while the API is down, dropped when the buffer is full, then delivered, with their time since arrival', async () => {
    const http = await startFakeApi();
    try {
      http.down = true;
      await start(overHttp(http), new FakeRpc(4), log, { SBC_AGENT_BUFFER_MAX_REPORTS: '2' });
      for (const callId of ['m1', 'm2', 'm3']) evapi.relay({ event: 'start', callId, time: '1700000000.0' });
      await until('sbc_agent_reports_buffered', 2);
      expect(await sample('sbc_agent_reports_dropped_total')).toBe(1);
      expect(await sample('sbc_agent_reports_delivered_total')).toBe(0);
      const waitedAtLeast = 0.3;
      await new Promise((resolve) => setTimeout(resolve, waitedAtLeast * 1000));
      http.down = false;
      await until('sbc_agent_reports_delivered_total', 2);
      expect(await sample('sbc_agent_reports_buffered')).toBe(0);
      expect(await sample('sbc_agent_delivery_seconds_count')).toBe(2);
      expect(await sample('sbc_agent_delivery_seconds_sum')).toBeGreaterThanOrEqual(2 * waitedAtLeast);
    } finally {
      await agent?.stop();
      agent = undefined;
      await http.close();
    }
  });

  it('counts the reports of a batch the API refuses as invalid as rejected, not delivered', async () => {
    const api = new FakeApi();
    api.reportBatch = async () => Promise.reject(Object.assign(new Error('invalid'), { status: 422 }));
    await start(api, new FakeRpc(4));
    evapi.relay({ event: 'start', callId: 'bad', time: '1700000000.0' });
    await until('sbc_agent_reports_rejected_total', 1);
    expect(await sample('sbc_agent_reports_delivered_total')).toBe(0);
  });

  it('counts the events Kamailio lost before the agent got them, and keeps counting when Kamailio restarts from 0', async () => {
    const rpc = new FakeRpc(4, { seq: 10, lost: 7, bound: 1000 });
    await start(new FakeApi(), rpc);
    await until('sbc_agent_events_lost_in_kamailio_total', 7);
    rpc.counters.lost = 9;
    await until('sbc_agent_events_lost_in_kamailio_total', 9);
    rpc.counters.lost = 2;
    await until('sbc_agent_events_lost_in_kamailio_total', 11);
  });

  it('shows the Kamailio link as 1 while connected and 0 once Kamailio is gone', async () => {
    await start(new FakeApi(), new FakeRpc(4));
    await until('sbc_agent_kamailio_connected', 1);
    await evapi.close();
    await until('sbc_agent_kamailio_connected', 0);
    evapi = new FakeEvapi();
    await evapi.listen();
  });

  it('shows the command stream as 0 while the agent waits to subscribe again after it failed, and 1 once it follows again', async () => {
    const api = new FakeApi();
    let failing = true;
    const refused = async function* (): AsyncGenerator<SbcEvent> {
      yield* [];
      throw new Error('401 unauthorized');
    };
    await start({ reportBatch: (reports) => api.reportBatch(reports), events: (options) => (failing ? refused() : api.events(options)) }, new FakeRpc(4));
    await until('sbc_agent_command_stream_connected', 0);
    failing = false;
    await until('sbc_agent_command_stream_connected', 1);
  });
});

describe('configuration', () => {
  it('names every missing or invalid variable at once', () => {
    expect(() => loadConfig({ SBC_API_URL: 'ftp://x', SBC_SERVER_IP: 'sbc-1', SBC_AGENT_BATCH_SIZE: '5000' })).toThrow(
      /SBC_API_URL=ftp:\/\/x is not an http\(s\) URL[\s\S]*SBC_API_TOKEN is required[\s\S]*SBC_SERVER_IP=sbc-1 is not[\s\S]*SBC_AGENT_BATCH_SIZE=5000 is not an integer from 1 to 1000/,
    );
  });

  it('never prints the token in its errors', () => {
    expect(() => loadConfig({ SBC_API_TOKEN: '   ' })).toThrow(/SBC_API_TOKEN is not the SBC token of this node|SBC_API_TOKEN=<redacted>/);
  });

  it('fills in defaults for everything but the API, the token and the node IP', () => {
    const config = loadConfig({ SBC_API_URL: 'http://api:8080/', SBC_API_TOKEN: 't', SBC_SERVER_IP: '10.0.0.5' });
    expect(config).toMatchObject({
      apiUrl: 'http://api:8080',
      evapi: { host: '127.0.0.1', port: 8448 },
      rpcUrl: 'http://127.0.0.1:5071/RPC',
      batchSize: 200,
      batchMaxLatencyMs: 200,
      bufferMaxReports: 100000,
      health: { host: '127.0.0.1', port: 9464 },
      homeCountryCode: '45',
    });
  });
});

describe('the event stream resume point', () => {
  it('a damaged resume point is logged and the stream followed without it, instead of sending it to the server', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sbc-agent-test-'));
    writeFileSync(join(stateDir, 'last-event-id'), '12\u0000\u0000garbage');
    const asked: (string | number | undefined)[] = [];
    const lines: string[] = [];
    const commands = new TerminateCommands({
      source: {
        // eslint-disable-next-line require-yield -- a stream that stays open and never sends a command
        async *events(options: { lastEventId?: string | number; signal?: AbortSignal }) {
          asked.push(options.lastEventId);
          await new Promise((resolve) => options.signal?.addEventListener('abort', resolve, { once: true }));
        },
      },
      sbcServer: '10.0.0.5',
      stateDir,
      handle: async () => undefined,
      log: pino({ level: 'info' }, { write: (line: string) => lines.push(line) }),
    });
    commands.start();
    await waitFor(async () => (asked.length > 0 ? true : undefined));
    await commands.stop();
    expect(asked).toEqual([undefined]);
    expect(lines.some((line) => line.includes('resume point is damaged'))).toBe(true);
  });
});

describe('configuration errors', () => {
  it('exit with 78 (EX_CONFIG), like the server, after naming the bad variables', () => {
    const result = spawnSync(process.execPath, [join(import.meta.dirname, '../dist/main.js')], { env: { PATH: process.env['PATH'] }, encoding: 'utf8' });
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(/SBC_API_URL is required/);
  });
});
