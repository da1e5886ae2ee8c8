// The agent's end of Kamailio's evapi socket: connects, decodes the netstrings, hands each
// message on, sends the agent's own messages back, and reconnects (with a capped backoff) whenever
// Kamailio restarts or the socket drops. The link's state changes are logged once each: a
// Kamailio that stays unreachable is one warning, not one per attempt.
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { NetstringDecoder } from './netstring.js';

export interface EvapiLinkOptions {
  host: string;
  port: number;
  onMessage: (text: string) => void;
  /** Called on every successful connection, after which events start flowing. */
  onConnect: () => void;
  /** Called when an established connection is lost. */
  onDisconnect: () => void;
  log: Logger;
  /** Delay before the first reconnection; doubles up to 5 s. */
  retryDelayMs?: number;
}

export class EvapiLink {
  private socket?: Socket;
  private closed = false;
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  /** Whether the last attempt failed; a warning is logged when this becomes true. */
  private unreachable = false;
  connected = false;

  constructor(private readonly options: EvapiLinkOptions) {}

  start(): void {
    this.open();
  }

  /** Sends one message to Kamailio (event_route[evapi:message-received]); dropped while disconnected. */
  send(text: string): void {
    if (this.connected) this.socket?.write(`${Buffer.byteLength(text)}:${text},`);
  }

  /** Closes the socket once what was sent has gone out; no reconnection afterwards. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.socket?.end();
  }

  private open(): void {
    const { host, port, log } = this.options;
    const decoder = new NetstringDecoder();
    const socket = connect({ host, port });
    this.socket = socket;
    socket.setKeepAlive(true, 10_000);
    socket.on('connect', () => {
      this.connected = true;
      this.unreachable = false;
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
    socket.on('error', (error) => {
      if (this.connected || this.unreachable || this.closed) return log.debug({ err: error }, 'evapi socket error');
      this.unreachable = true;
      log.warn({ host, port, err: error }, 'Kamailio evapi is unreachable; retrying (logged again once it connects)');
    });
    socket.on('close', () => {
      const wasConnected = this.connected;
      this.connected = false;
      if (this.closed) return;
      if (wasConnected) {
        log.warn({ host, port }, 'evapi connection closed; reconnecting');
        this.options.onDisconnect();
      }
      this.failures++;
      const delay = Math.min((this.options.retryDelayMs ?? 100) * 2 ** Math.min(this.failures - 1, 10), 5000);
      this.retryTimer = setTimeout(() => this.open(), delay);
    });
  }
}
