import { connect, type Socket } from 'node:net';
import type { Event } from '@sbc/contract';
import { expect } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { call, contract } from './helpers.js';

export interface Message {
  id?: string;
  event?: string;
  data: Event;
}

/** A test subscriber of /sbc/events: parses messages and checks each `data` against `Event`. */
export class EventStreamClient {
  readonly messages: Message[] = [];
  readonly comments: string[] = [];
  status = 0;
  private readonly abort = new AbortController();
  private waiters: Array<() => void> = [];
  ended = false;

  static async open(server: Pick<RunningServer, 'url'>, token: string, query = '', headers: Record<string, string> = {}): Promise<EventStreamClient> {
    const client = new EventStreamClient();
    const response = await fetch(`${server.url}/sbc/events${query}`, {
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      signal: client.abort.signal,
    });
    client.status = response.status;
    const issue = contract.operation('streamEvents').validateResponse(response.status, response.headers.get('content-type') ?? undefined, response.ok ? '' : await response.json());
    expect(issue).toBeNull();
    if (response.ok) void client.read(response.body!);
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // aborted by close()
    }
    this.ended = true;
    this.notify();
  }

  private parse(block: string): void {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else {
        const colon = line.indexOf(':');
        fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
      }
    }
    if (fields['data'] === undefined) {
      this.notify();
      return;
    }
    const data = JSON.parse(fields['data']) as Event;
    expect(contract.schema('Event')(data)).toBeNull();
    expect(String(data.id)).toBe(fields['id']);
    expect(data.type).toBe(fields['event']);
    this.messages.push({ id: fields['id'], event: fields['event'], data });
    this.notify();
  }

  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Waits until `count` messages have arrived (or the stream ended), then returns them all. */
  async waitFor(count: number): Promise<Event[]> {
    while (this.messages.length < count && !this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.events();
  }

  async waitForComment(text: string): Promise<void> {
    while (!this.comments.includes(text) && !this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async waitForEnd(): Promise<void> {
    while (!this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  events(): Event[] {
    return this.messages.map((m) => m.data);
  }

  close(): void {
    this.abort.abort();
  }
}

/** The server's count of open event streams, from /metrics. */
export async function subscriberCount(server: RunningServer): Promise<number> {
  return Number(/sbc_event_subscribers (\d+)/.exec((await call<string>(server, 'getMetrics', '/metrics')).body)![1]);
}

/** A subscriber that connects and then never reads: `closed` settles when the server cuts it. */
export async function stalledSubscriber(server: RunningServer, token: string): Promise<{ socket: Socket; closed: Promise<unknown> }> {
  const before = await subscriberCount(server);
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
  socket.write(`GET /sbc/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`);
  socket.pause();
  const closed = new Promise((resolve) => socket.once('close', resolve));
  while ((await subscriberCount(server)) === before) await new Promise((r) => setTimeout(r, 10));
  return { socket, closed };
}
