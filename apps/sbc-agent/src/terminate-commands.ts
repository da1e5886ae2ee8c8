// Follows `/sbc/events` for this node's terminate commands, resuming after the last handled
// event (kept in the buffer directory, so a restart resumes too), and carries each one out.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { SbcEvent, TerminateCommand } from '@sbc/client';
import type { Logger } from 'pino';
import { writeFileDurably } from './durable-file.js';

export interface EventSource {
  events(options: { lastEventId?: string | number; signal?: AbortSignal }): AsyncIterable<SbcEvent>;
}

export interface TerminateCommandsOptions {
  source: EventSource;
  sbcServer: string;
  stateDir: string;
  handle: (command: TerminateCommand) => Promise<void>;
  log: Logger;
  /** Pause before subscribing again after the stream failed. */
  retryDelayMs?: number;
}

const stateFile = 'last-event-id';

export class TerminateCommands {
  private readonly abort = new AbortController();
  private running?: Promise<void>;
  following = false;

  constructor(private readonly options: TerminateCommandsOptions) {}

  start(): void {
    this.running = this.follow();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async follow(): Promise<void> {
    const { source, log } = this.options;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const lastEventId = this.readLastEventId();
        this.following = true;
        for await (const event of source.events({ signal, ...(lastEventId ? { lastEventId } : {}) })) {
          if (event.type !== 'terminate' || event.sbcServer !== this.options.sbcServer) continue;
          await this.carryOut(event);
          this.writeLastEventId(event.id);
        }
      } catch (error) {
        if (signal.aborted) break;
        log.warn({ err: error }, 'event stream failed; subscribing again');
      }
      this.following = false;
      if (signal.aborted) break;
      await delay(this.options.retryDelayMs ?? 1000, undefined, { signal }).catch(() => undefined);
    }
    this.following = false;
  }

  private async carryOut(command: TerminateCommand): Promise<void> {
    try {
      await this.options.handle(command);
    } catch (error) {
      // The server repeats the command on the next connection until the end is reported.
      this.options.log.error({ err: error, callId: command.callId }, 'could not end the call');
    }
  }

  /** The resume point; a damaged one is logged and the stream starts from the server's default. */
  private readLastEventId(): string | undefined {
    const path = join(this.options.stateDir, stateFile);
    if (!existsSync(path)) return undefined;
    const text = readFileSync(path, 'utf8').trim();
    if (/^[0-9]{1,15}$/.test(text)) return text;
    this.options.log.warn({ file: path, content: text.slice(0, 100) }, 'the event stream resume point is damaged; following the stream from now on');
    return undefined;
  }

  private writeLastEventId(id: number): void {
    writeFileDurably(join(this.options.stateDir, stateFile), String(id));
  }
}
