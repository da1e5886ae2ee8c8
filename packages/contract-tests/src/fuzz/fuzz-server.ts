import fc from 'fast-check';
import type { Contract } from '@sbc/contract';
import { malformedRequestArbitrary } from '../generate/malformed-requests.js';
import { refusesMalformedInput, type RequestContext } from '../generate/request-context.js';
import { validRequestArbitrary } from '../generate/valid-requests.js';
import { send } from '../http/send.js';
import type { CoverageRecorder } from '../report/coverage.js';
import { checkRequest } from '../spec/request-check.js';
import { responseProblem } from '../spec/response-check.js';
import type { GeneratedRequest } from '../spec/wire-request.js';

export interface FuzzTarget {
  contract: Contract;
  url: string;
  context: RequestContext;
  coverage: CoverageRecorder;
  /** What is stored, as a client sees it: a refused request must leave it as it was. */
  snapshot(): Promise<string>;
  /** Other callers' credential headers (`{}` for none): one request in four goes out as one of them instead. */
  otherCredentials?: ReadonlyArray<Record<string, string>>;
}

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** A request not answered within this time is a hang. */
  timeoutMs: number;
}

/** Every operation of the contract, valid requests one part in three, malformed ones the rest; sometimes from another caller. */
export function requestArbitrary(context: RequestContext, otherCredentials: ReadonlyArray<Record<string, string>> = []): fc.Arbitrary<GeneratedRequest> {
  const requests = fc.oneof(
    ...[...context.contract.operations.values()].map((op) =>
      fc.oneof({ weight: 1, arbitrary: validRequestArbitrary(context, op) }, { weight: 2, arbitrary: malformedRequestArbitrary(context, op) }),
    ),
  );
  if (otherCredentials.length === 0) return requests;
  const caller = fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...otherCredentials) });
  return fc.tuple(requests, caller).map(([request, credentials]) => (credentials ? asCaller(context, request, credentials) : request));
}

function asCaller(context: RequestContext, request: GeneratedRequest, credentials: Record<string, string>): GeneratedRequest {
  const headers = { ...request.headers };
  for (const name of Object.keys(context.credentials)) delete headers[name];
  return { ...request, headers: { ...headers, ...credentials } };
}

/**
 * What is wrong with the server's answer to one generated request, or undefined. A write the
 * contract refuses, or that the server answers with an error, must leave the store as it was.
 */
export async function fuzzOne(target: FuzzTarget, request: GeneratedRequest, timeoutMs: number): Promise<string | undefined> {
  const verdict = checkRequest(target.contract, request);
  const before = request.method !== 'GET' ? await target.snapshot() : undefined;
  const response = await send(target.url, request, { timeoutMs, streamMs: 50 });
  const operation = verdict.kind === 'valid' || verdict.kind === 'invalid' ? verdict.operation : undefined;
  target.coverage.record(operation?.operationId, response.status, 'fuzz');

  if (response.status >= 500) return `a ${response.status}: ${response.body.toString('utf8').slice(0, 300)}`;
  const problem = responseProblem(target.contract, verdict, response);
  if (problem) return problem;
  if (verdict.kind === 'invalid' && refusesMalformedInput(verdict.operation) && (response.status < 400 || response.status > 499)) {
    return `the contract refuses this request (${verdict.reason}) but the server answered ${response.status}`;
  }
  const refused = verdict.kind !== 'valid' || response.status >= 400;
  if (before !== undefined && refused && (await target.snapshot()) !== before) {
    return `a write refused with ${response.status} (${verdict.kind === 'valid' ? 'valid by the contract' : verdict.kind}) changed stored data`;
  }
  return undefined;
}

/** Runs the property: every generated request gets a documented answer, never a 5xx or a hang, and refused ones change nothing. */
export async function fuzzServer(target: FuzzTarget, options: FuzzOptions): Promise<void> {
  const property = fc.asyncProperty(requestArbitrary(target.context, target.otherCredentials), async (request) => {
    const problem = await fuzzOne(target, request, options.timeoutMs);
    if (problem) {
      const body = request.body ? ` body ${JSON.stringify(request.body.toString('utf8').slice(0, 300))}` : '';
      throw new Error(`${request.malformation ?? 'valid request'}: ${request.method} ${request.target.slice(0, 300)}${body}\n  ${problem}`);
    }
  });
  try {
    await fc.assert(property, { numRuns: options.runs, seed: options.seed });
  } catch (error) {
    const { message, cause } = error as Error;
    const reason = cause instanceof Error ? `\n${cause.message}` : '';
    throw new Error(`Fuzzing failed (seed ${options.seed}, ${options.runs} runs; reproduce with \`pnpm fuzz --seed ${options.seed} --runs ${options.runs}\`)\n${message}${reason}`);
  }
}
