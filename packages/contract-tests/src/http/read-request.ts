import type { IncomingMessage } from 'node:http';
import type { WireRequest } from '../spec/wire-request.js';

/** A request as a node:http server received it: the raw request-target, headers, and the whole body. */
export async function readRequest(incoming: IncomingMessage): Promise<WireRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const headers = Object.fromEntries(Object.entries(incoming.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
  const body = Buffer.concat(chunks);
  return { method: incoming.method ?? 'GET', target: incoming.url ?? '/', headers, ...(body.length > 0 ? { body } : {}) };
}
