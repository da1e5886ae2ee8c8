import type { Contract, OperationContract } from '@sbc/contract';
import { isRecord, resolve, type Json } from './json-schema.js';
import { parseEventStream } from './event-stream.js';
import type { RequestVerdict } from './request-check.js';

/** A response as read off the wire. A stream's body is what arrived before the reader stopped. */
export interface WireResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** The answers every path may give besides its own (the contract's introduction): status and message token. */
const globalAnswers = {
  'no-such-path': { status: 404, message: 'not_found' },
  'method-not-allowed': { status: 405, message: 'method_not_allowed' },
} as const;

/**
 * Says what is wrong with a response to a request the contract judged, or undefined when the
 * contract documents it: its status for that operation, its media type, its body (each event of
 * a stream, too), the headers it lists, and an error body that repeats its status.
 */
export function responseProblem(contract: Contract, verdict: RequestVerdict, response: WireResponse): string | undefined {
  const mediaType = header(response, 'content-type')?.split(';')[0]?.trim();
  const parsed = parseBody(mediaType, response.body);
  if (typeof parsed === 'object' && parsed !== null && 'problem' in parsed) return parsed.problem;
  const body = parsed.value;

  if (verdict.kind === 'no-such-path' || verdict.kind === 'method-not-allowed') {
    const expected = globalAnswers[verdict.kind];
    if (response.status !== expected.status) return `${verdict.reason}: expected ${expected.status}, got ${response.status}`;
    return errorProblem(contract, mediaType, body, expected.status);
  }
  const op = verdict.operation;
  const issue = op.validateResponse(response.status, mediaType, body);
  if (issue) return issue.description;
  const missing = documentedHeaders(contract, op, response.status).filter((name) => header(response, name.toLowerCase()) === undefined);
  if (missing.length > 0) return `${op.method.toUpperCase()} ${op.path} ${response.status} lacks the documented header ${missing.join(', ')}`;
  if (response.status >= 400) return errorProblem(contract, mediaType, body, response.status);
  if (mediaType === 'text/event-stream') return eventsProblem(contract, body as string);
  return undefined;
}

/** The headers the contract lists for an operation's answer with this status. */
function documentedHeaders(contract: Contract, op: OperationContract, status: number): string[] {
  const document = contract.document as unknown as Json;
  const answer = resolve(document, contract.document.paths[op.path]?.[op.method]?.responses[String(status)]);
  return isRecord(answer) && isRecord(answer['headers']) ? Object.keys(answer['headers']) : [];
}

function header(response: WireResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseBody(mediaType: string | undefined, body: Buffer): { value: unknown } | { problem: string } {
  if (mediaType === 'application/json') {
    try {
      return { value: JSON.parse(body.toString('utf8')) };
    } catch {
      return { problem: `the application/json body is not JSON: ${JSON.stringify(body.toString('utf8').slice(0, 200))}` };
    }
  }
  return { value: body.toString('utf8') };
}

function errorProblem(contract: Contract, mediaType: string | undefined, body: unknown, status: number): string | undefined {
  if (mediaType !== 'application/json') return `a ${status} must be an application/json Error, got ${mediaType ?? 'no content type'}`;
  const issue = contract.schema('Error')(body);
  if (issue) return `the ${status} body is not an Error: ${issue.description}`;
  const declared = (body as { status: number }).status;
  return declared === status ? undefined : `the Error body says status ${declared} on a ${status} response`;
}

/** Each message of a stream carries one `Event`, named by `event:` and numbered by `id:` as the event says. */
export function eventsProblem(contract: Contract, text: string): string | undefined {
  const validate = contract.schema('Event');
  for (const message of parseEventStream(text)) {
    let event: unknown;
    try {
      event = JSON.parse(message.data);
    } catch {
      return `event data is not JSON: ${message.data.slice(0, 200)}`;
    }
    const issue = validate(event);
    if (issue) return `event ${message.id ?? '?'} is not an Event: ${issue.description}`;
    const { id, type } = event as { id: number; type: string };
    if (message.event !== type) return `event ${id} is sent as '${message.event ?? 'message'}' but its type is ${type}`;
    if (message.id !== String(id)) return `event ${id} is sent with SSE id '${message.id ?? ''}'`;
  }
  return undefined;
}
