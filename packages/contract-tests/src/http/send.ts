import { Agent, request as httpRequest } from 'node:http';
import type { WireResponse } from '../spec/response-check.js';
import type { WireRequest } from '../spec/wire-request.js';

export interface SendOptions {
  /** A request not answered in full within this time is a hang, and fails. */
  timeoutMs?: number;
  /** How long an event stream is read before the client hangs up (its body is what arrived by then). */
  streamMs?: number;
  /** Hangs up on a stream as soon as what arrived satisfies this, without waiting out `streamMs`. */
  until?: (received: string) => boolean;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/**
 * Sends a request exactly as given - the request-target byte for byte, odd percent-encodings and
 * all, which fetch would normalise - and reads the whole answer (or the first moments of a stream).
 */
export function send(baseUrl: string, request: WireRequest, options: SendOptions = {}): Promise<WireResponse> {
  const { timeoutMs = 5000, streamMs = 150, until } = options;
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      outgoing.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms to ${request.method} ${request.target.slice(0, 200)}`));
    }, timeoutMs);
    const outgoing = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.target,
        headers: { ...request.headers, ...(request.body ? { 'content-length': String(request.body.length) } : {}) },
      },
      (response) => {
        const finish = () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
        };
        const isStream = response.headers['content-type']?.startsWith('text/event-stream') ?? false;
        const hangUp = () => {
          clearTimeout(streamTimer);
          response.removeAllListeners('end');
          outgoing.destroy();
          finish();
        };
        const streamTimer = isStream ? setTimeout(hangUp, streamMs) : undefined;
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (isStream && until?.(Buffer.concat(chunks).toString('utf8'))) hangUp();
        });
        response.on('end', () => {
          clearTimeout(streamTimer);
          finish();
        });
        response.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      },
    );
    // (Once the answer is resolved, the error of a deliberate hang-up changes nothing.)
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.end(request.body);
  });
}
