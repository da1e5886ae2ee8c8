import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { percentile } from '../stats.js';

/**
 * Latency of requests one at a time (runs in its own process): GETs each path of a file in
 * turn over one keep-alive connection, until the list or the time runs out, and prints the
 * percentiles as one JSON line. One at a time, so each figure is the request's own cost.
 */
export interface SequentialGetInput {
  url: string;
  token: string;
  pathsFile: string;
  maxSeconds: number;
  /** Go round the paths again until the time runs out or a line arrives on stdin. */
  repeat?: boolean;
}

export interface SequentialGetResult {
  requests: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as SequentialGetInput;
const paths = readFileSync(input.pathsFile, 'utf8').split('\n').filter(Boolean);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const target = new URL(input.url);

function get(path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: target.hostname, port: target.port, path, agent, headers: { authorization: `Bearer ${input.token}` } },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout on ${path}`)));
    // A connection the server dropped is a failed request (status 0), counted, not the end of the run.
    req.once('error', (error) => {
      process.stderr.write(`sequential-get: ${path}: ${error.message}\n`);
      resolve(0);
    });
    req.end();
  });
}

const durations: number[] = [];
let non2xx = 0;
const deadline = performance.now() + input.maxSeconds * 1000;
let stopped = false;
if (input.repeat) process.stdin.once('data', () => (stopped = true));
for (let i = 0; i < paths.length || (input.repeat && paths.length > 0); i++) {
  if (performance.now() > deadline || stopped) break;
  const path = paths[i % paths.length] as string;
  const start = performance.now();
  const status = await get(path);
  durations.push(performance.now() - start);
  if (status < 200 || status > 299) non2xx++;
}
agent.destroy();
if (input.repeat) process.stdin.destroy();
durations.sort((a, b) => a - b);
const result: SequentialGetResult = {
  requests: durations.length,
  p50Ms: percentile(durations, 50),
  p95Ms: percentile(durations, 95),
  p99Ms: percentile(durations, 99),
  maxMs: durations[durations.length - 1] ?? 0,
  non2xx,
};
process.stdout.write(JSON.stringify(result) + '\n');
