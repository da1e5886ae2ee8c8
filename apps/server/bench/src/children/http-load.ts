import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/**
 * The load generator (runs in its own process): GETs paths taken in turn from a file, over
 * keep-alive connections, for a fixed time, and prints autocannon's figures as one JSON line.
 */
export interface HttpLoadInput {
  url: string;
  token: string;
  pathsFile: string;
  connections: number;
  seconds: number;
}

export interface HttpLoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as HttpLoadInput;
const paths = readFileSync(input.pathsFile, 'utf8').split('\n').filter(Boolean);
let next = 0;

const result = await autocannon({
  url: input.url,
  connections: input.connections,
  duration: input.seconds,
  timeout: 10,
  headers: { authorization: `Bearer ${input.token}` },
  requests: [
    {
      method: 'GET',
      setupRequest(request) {
        request.path = paths[next++ % paths.length];
        return request;
      },
    },
  ],
});

const output: HttpLoadResult = {
  requestsPerSecond: result.requests.total / result.duration,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  requests: result.requests.total,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
};
process.stdout.write(JSON.stringify(output) + '\n');
