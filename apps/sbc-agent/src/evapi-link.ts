// The agent's end of Kamailio's evapi socket: connects, decodes the netstrings, hands each
// message on, and reconnects (with a capped backoff) whenever Kamailio restarts or the socket drops.
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { NetstringDecoder } from './netstring.js';

export interface EvapiLinkOptions {
  host: string;
  port: number;
  onMessage: (text: string) => void;
  /** Called on every successful connection, after which events start flowing. */
  onConnect: () => void;
  log: Logger;
  /** Delay before the first reconnection; doubles up to 5 s. */
  retryDelayMs?: number;
}

export class EvapiLink {
  private socket?: Socket;
  private closed = false;
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  connected = false;

  constructor(private readonly options: EvapiLinkOptions) {}

  start(): void {
    this.open();
  }

  /** Closes the socket; no reconnection afterwards. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.socket?.destroy();
  }

  private open(): void {
    const { host, port, log } = this.options;
    const decoder = new NetstringDecoder();
    const socket = connect({ host, port });
    this.socket = socket;
    socket.setKeepAlive(true, 10_000);
    socket.on('connect', () => {
      this.connected = true;
      this.failures = 0;
      log.info({ host, port }, 'connected to Kamailio evapi');
      this.options.onConnect();
    });
    socket.on('data', (chunk: Buffer) => {
      let messages: string[];
      try {
        messages = decoder.push(chunk);
      } catch (error) {
        log.error({ err: error }, 'evapi stream is not netstrings; reconnecting');
        socket.destroy();
        return;
      }
      for (const message of messages) this.options.onMessage(message);
    });
    socket.on('error', (error) => log.debug({ err: error }, 'evapi socket error'));
    socket.on('close', () => {
      if (this.connected) log.warn({ host, port }, 'evapi connection closed');
      this.connected = false;
      if (this.closed) return;
      this.failures++;
      const delay = Math.min((this.options.retryDelayMs ?? 100) * 2 ** Math.min(this.failures - 1, 10), 5000);
      this.retryTimer = setTimeout(() => this.open(), delay);
    });
  }
}
