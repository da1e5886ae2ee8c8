import { unescape } from 'node:querystring';
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** How long a log line may wait in the buffer on a quiet server. */
const flushIntervalMs = 1000;

/**
 * Structured JSON lines on stdout. A busy server writes them in blocks of 8 KiB rather than
 * one system call per request; a quiet one at least every second. The blocks are written
 * asynchronously, although a synchronous write costs about 3 µs a line less (measured): a
 * synchronous write holds the event loop, and every call with it, whenever whatever reads stdout
 * stalls. Exit through `logger.flush(() => process.exit(code))`. Nothing that carries a secret is ever passed to
 * it: request URLs go through `redactUrl`, and headers are not logged.
 */
export function createLogger(level: LogLevel): Logger {
  const blocks = new LineBlocks(pino.destination({ dest: 1, sync: false, minLength: blockChars, contentMode: 'buffer' }) as unknown as ByteDestination);
  setInterval(() => blocks.flush(), flushIntervalMs).unref();
  return pino({ level, base: { service: 'sbc-session-api' } }, blocks);
}

const blockChars = 8192;

/** pino's destination (sonic-boom) in its `buffer` content mode, which takes bytes; its types know only strings. */
interface ByteDestination {
  write(block: Buffer): boolean;
  flush(done?: (error?: Error) => void): void;
}

/**
 * Gathers lines into blocks before pino's destination (sonic-boom) sees them: sonic-boom
 * measures the UTF-8 length of its pending buffer on every write, flattening a string of up to
 * 16 KiB each time, which cost a busy server several µs a line; per block it is paid once. A
 * block goes on as bytes, encoded once: given a string, sonic-boom measured it twice more and
 * encoded it twice (for the write, then again to account for what was written).
 */
class LineBlocks {
  private pending = '';

  constructor(private readonly destination: ByteDestination) {}

  write(line: string): boolean {
    this.pending += line;
    if (this.pending.length >= blockChars) this.handOn();
    return true;
  }

  /** pino's `logger.flush(done)`: every line written, then `done`. */
  flush(done?: (error?: Error) => void): void {
    this.handOn();
    this.destination.flush(done);
  }

  private handOn(): void {
    if (this.pending === '') return;
    this.destination.write(Buffer.from(this.pending, 'utf8'));
    this.pending = '';
  }
}

/** What the access log line says of one request. */
export interface AccessEntry {
  reqId: string;
  method: string;
  /** Already through `redactUrl`. */
  url: string;
  route: string;
  status: number;
  ms: number;
}

/**
 * Writes the one access log line per request: the same JSON `logger.info(entry, 'request')`
 * writes (level, time and the logger's bindings as pino shapes them, the entry's keys in this
 * order, then `msg`), built as one template string. pino's generic serialisation of the object
 * costs each request several µs more. A logger whose stream routes by level (a multistream)
 * needs pino's own write.
 */
export function accessLogger(logger: Logger): (entry: AccessEntry) => void {
  const internals = logger as unknown as Record<symbol, unknown>;
  const stream = internals[pino.symbols.streamSym] as { write(line: string): unknown; [key: symbol]: unknown };
  if (stream[pino.symbols.needsMetadataGsym]) return (entry) => logger.info(entry, 'request');
  const level = logger.levels.values['info'];
  const configuredTime = internals[pino.symbols.timeSym] as () => string;
  const time = configuredTime === pino.stdTimeFunctions.epochTime ? epochTimeOncePerMillisecond() : configuredTime;
  const bindings = internals[pino.symbols.chindingsSym] as string;
  const fewText = fewStringsAsText();
  return ({ reqId, method, url, route, status, ms }) => {
    if (!logger.isLevelEnabled('info')) return;
    stream.write(
      `{"level":${level}${time()}${bindings},"reqId":${text(reqId)},"method":${fewText(method)},"url":${text(url)},"route":${fewText(route)},"status":${status},"ms":${milliseconds(ms)},"msg":"request"}\n`,
    );
  };
}

/**
 * pino's `epochTime`, with its text made once per millisecond: requests answered in the same
 * turn of the event loop share it, and each new one converts a number beyond V8's small integers.
 */
function epochTimeOncePerMillisecond(): () => string {
  let millisecond = -1;
  let timeText = '';
  return () => {
    const now = Date.now();
    if (now !== millisecond) {
      millisecond = now;
      timeText = `,"time":${now}`;
    }
    return timeText;
  };
}

/**
 * `text` for values drawn from a small set (methods, route templates), kept once made: a map
 * lookup costs less than the check of each character. Bounded, should a caller pass many.
 */
function fewStringsAsText(): (value: string) => string {
  const made = new Map<string, string>();
  return (value) => {
    let json = made.get(value);
    if (json === undefined) {
      json = text(value);
      if (made.size < 256) made.set(value, json);
    }
    return json;
  };
}

/** After the decimal point, for each whole number of µs: `.125`, `.5`, `.05`, nothing for 0. */
const fractionsOfMillisecond = Array.from({ length: 1000 }, (_, micros) => (micros === 0 ? '' : `.${String(micros).padStart(3, '0').replace(/0+$/, '')}`));

/**
 * A duration in ms as JSON writes the number: for a whole number of µs (what the access log
 * passes), the same digits from a table instead of converting a double to decimal each line.
 */
function milliseconds(ms: number): string {
  const micros = Math.round(ms * 1000);
  if (micros / 1000 !== ms || micros < 0 || !Number.isSafeInteger(micros)) return String(ms);
  const fraction = micros % 1000;
  return `${(micros - fraction) / 1000}${fractionsOfMillisecond[fraction]}`;
}

/** Printable ASCII but `"` and `\\`: a string made only of these is its own JSON text in quotes. */
const needsNoEscaping = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * A string as JSON text. `JSON.stringify` costs 150 to 500 ns on each of a line's strings, and a
 * loop over their characters in JavaScript cost the line about 3,800 instructions (callgrind);
 * a line's strings are plain ASCII (ids, methods, paths) but for a rare URL, which one regular
 * expression, run as machine code, tells.
 */
function text(value: string): string {
  return needsNoEscaping.test(value) ? `"${value}"` : JSON.stringify(value);
}

/**
 * The URL as it may be logged: the value of every query parameter whose name decodes to `token`
 * is replaced. Decoding the name as the query parser does matters: `?%74oken=` authenticates
 * like `?token=`, so a match on the literal text would log such a token in clear.
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const end = url.indexOf('#', start) === -1 ? url.length : url.indexOf('#', start);
  const pairs = url
    .slice(start + 1, end)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      return unescape(name.replace(/\+/g, ' ')).toLowerCase() === 'token' ? `${name}=[REDACTED]` : pair;
    });
  return `${url.slice(0, start + 1)}${pairs.join('&')}${url.slice(end)}`;
}
