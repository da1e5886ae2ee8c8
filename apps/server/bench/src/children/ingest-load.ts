import type { IngestReport } from '../dataset.js';
import { HttpConnection, type Answer } from '../http-connection.js';
import { percentile } from '../stats.js';
import { ingestCalls, reportOrder } from '../workload.js';

/**
 * The SBC nodes' side of the ingest benchmark (runs in its own process). Each node reports
 * whole call lifecycles (start, answer, end) of its own calls with its own machine token:
 * - `batch`: one connection per node POSTs `/sbc/ingest` batches one after the other; a
 *   batch mixes the starts of new calls with the answers and ends of earlier ones, as a busy
 *   SBC's would;
 * - `patch`: `perNode` connections per node each PATCH one call's three reports in turn.
 * Every request is answered only once the server has committed it, so the rate is durable.
 */
export interface IngestLoadInput {
  url: string;
  /** Machine token of each SBC node, by the node's address. */
  tokens: Record<string, string>;
  mode: 'batch' | 'patch';
  batchSize: number;
  perNode: number;
  seed: number;
  /** Index of the first call, in a range no other stage uses (see INGEST_RANGES). */
  firstIndex: number;
  /** How many whole lifecycles to send at most. */
  sessions: number;
  maxSeconds: number;
}

export interface IngestLoadResult {
  reports: number;
  requests: number;
  sessionsCompleted: number;
  seconds: number;
  reportsPerSecond: number;
  sessionsPerSecond: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  firstFailure?: string;
  /** This process's own CPU (user + system) per report, in µs: taken from the server on a shared machine. */
  loadCpuUsPerReport: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as IngestLoadInput;
const target = new URL(input.url);
const nodes = Object.keys(input.tokens);

/** Calls that go through all three steps, each assigned to the node that carries it. */
function callsByNode(): Map<string, IngestReport[][]> {
  const byNode = new Map<string, IngestReport[][]>(nodes.map((node) => [node, []]));
  for (const call of ingestCalls(input.seed, input.firstIndex, input.sessions)) {
    const calls = byNode.get(call[0]?.sbcServer as string);
    if (!calls) continue;
    // The machine token names the node; its reports leave sbcServer to default to it.
    delete call[0]?.sbcServer;
    calls.push(call);
  }
  return byNode;
}

/** A node's reports in the order a busy SBC sends them, cut into batches. */
function batchesOf(calls: IngestReport[][], size: number): { body: string; reports: number; ends: number }[] {
  const stream = reportOrder(calls, size);
  const batches = [];
  for (let at = 0; at < stream.length; at += size) {
    const sessions = stream.slice(at, at + size);
    batches.push({ body: JSON.stringify({ sessions }), reports: sessions.length, ends: sessions.filter((r) => r.ended).length });
  }
  return batches;
}

const latencies: number[] = [];
let reports = 0;
let requests = 0;
let sessionsCompleted = 0;
let failures = 0;
let firstFailure: string | undefined;

function fail(what: string) {
  failures++;
  firstFailure ??= what.slice(0, 300);
}

/** One request, its time kept. */
async function timed(connection: HttpConnection, method: string, path: string, token: string, contentType: string, body: string): Promise<Answer> {
  const start = performance.now();
  const answer = await connection.request(method, path, { authorization: `Bearer ${token}`, 'content-type': contentType }, body);
  latencies.push(performance.now() - start);
  requests++;
  return answer;
}

const byNode = callsByNode();
const work: Promise<void>[] = [];
const connections: HttpConnection[] = [];
const connection = () => {
  const opened = new HttpConnection(target.hostname, Number(target.port));
  connections.push(opened);
  return opened;
};
const cpuAtStart = process.cpuUsage();
const started = performance.now();
const deadline = started + input.maxSeconds * 1000;

if (input.mode === 'batch') {
  const prepared = nodes.map((node) => ({ node, batches: batchesOf(byNode.get(node) ?? [], input.batchSize) }));
  for (const { node, batches } of prepared) {
    const token = input.tokens[node] as string;
    const nodeConnection = connection();
    work.push(
      (async () => {
        for (const batch of batches) {
          if (performance.now() > deadline) return;
          const answer = await timed(nodeConnection, 'POST', '/sbc/ingest', token, 'application/json', batch.body);
          if (answer.status !== 200) fail(`POST /sbc/ingest ${answer.status} ${answer.body}`);
          else {
            const counts = JSON.parse(answer.body) as { rejected: number; results: Array<{ callId: string; result: string; error?: unknown }> };
            if (counts.rejected > 0) {
              const refused = counts.results.filter((r) => r.result === 'rejected');
              fail(`POST /sbc/ingest rejected ${counts.rejected}: ${JSON.stringify(refused)}`);
            }
            reports += batch.reports - counts.rejected;
            sessionsCompleted += batch.ends;
          }
        }
      })(),
    );
  }
} else {
  for (const node of nodes) {
    const token = input.tokens[node] as string;
    const queue = (byNode.get(node) ?? []).map((call) =>
      call.map((report) => {
        const { callId, ...rest } = report;
        return { path: `/sbc/session/${encodeURIComponent(callId)}`, body: JSON.stringify(rest) };
      }),
    );
    for (let worker = 0; worker < input.perNode; worker++) {
      const workerConnection = connection();
      work.push(
        (async () => {
          for (let call = queue.shift(); call && performance.now() < deadline; call = queue.shift()) {
            for (const step of call) {
              const answer = await timed(workerConnection, 'PATCH', step.path, token, 'application/merge-patch+json', step.body);
              if (answer.status !== 200 && answer.status !== 201) fail(`PATCH ${step.path} ${answer.status} ${answer.body}`);
              else reports++;
            }
            sessionsCompleted++;
          }
        })(),
      );
    }
  }
}

await Promise.all(work);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
for (const opened of connections) opened.close();
latencies.sort((a, b) => a - b);
const result: IngestLoadResult = {
  reports,
  requests,
  sessionsCompleted,
  seconds,
  reportsPerSecond: reports / seconds,
  sessionsPerSecond: sessionsCompleted / seconds,
  requestsPerSecond: requests / seconds,
  p50Ms: percentile(latencies, 50),
  p99Ms: percentile(latencies, 99),
  failures,
  loadCpuUsPerReport: reports === 0 ? 0 : (cpu.user + cpu.system) / reports,
  ...(firstFailure === undefined ? {} : { firstFailure }),
};
process.stdout.write(JSON.stringify(result) + '\n');
