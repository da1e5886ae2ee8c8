import { Agent, request, type IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';

/**
 * Many event-stream subscribers (runs in its own process). Connects them all, prints
 * `{"connected":N}`, counts the messages each receives, and on `stop` from stdin prints the
 * counts and when the first and last message arrived.
 */
export interface SseInput {
  url: string;
  token: string;
  subscribers: number;
}

export interface SseResult {
  subscribers: number;
  messages: number;
  /** Seconds from the first message to the last, over all subscribers. */
  seconds: number;
  messagesPerSecond: number;
  minPerSubscriber: number;
  maxPerSubscriber: number;
  disconnected: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as SseInput;
const target = new URL(input.url);
const agent = new Agent({ keepAlive: false, maxSockets: input.subscribers });
const counts = new Array<number>(input.subscribers).fill(0);
const responses: IncomingMessage[] = [];
let firstAt = 0;
let lastAt = 0;
let disconnected = 0;
let stopping = false;

// A message's `event:` line always follows the blank line that ends the one before it.
const MARKER = '\nevent:';

function subscribe(slot: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: '/sbc/events', agent, headers: { authorization: `Bearer ${input.token}`, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`/sbc/events answered ${res.statusCode}`));
          res.resume();
          return;
        }
        responses.push(res);
        res.setEncoding('utf8');
        let tail = '';
        res.on('data', (chunk: string) => {
          const text = tail + chunk;
          let found = 0;
          for (let at = text.indexOf(MARKER); at !== -1; at = text.indexOf(MARKER, at + MARKER.length)) found++;
          tail = text.slice(-(MARKER.length - 1));
          if (found > 0) {
            const now = performance.now();
            if (firstAt === 0) firstAt = now;
            lastAt = now;
            counts[slot] = (counts[slot] ?? 0) + found;
          }
        });
        res.once('close', () => {
          if (!stopping) disconnected++;
        });
        resolve();
      },
    );
    req.once('error', (error) => (stopping ? resolve() : reject(error)));
    req.end();
  });
}

await Promise.all(Array.from({ length: input.subscribers }, (_, slot) => subscribe(slot)));
process.stdout.write(JSON.stringify({ connected: input.subscribers }) + '\n');

// Bounded even if the parent forgets us.
const guard = setTimeout(() => finish(), 15 * 60 * 1000);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'stop') finish();
});

function finish() {
  clearTimeout(guard);
  stopping = true;
  lines.close();
  for (const res of responses) res.destroy();
  agent.destroy();
  const messages = counts.reduce((sum, n) => sum + n, 0);
  const seconds = firstAt === 0 ? 0 : (lastAt - firstAt) / 1000;
  const result: SseResult = {
    subscribers: input.subscribers,
    messages,
    seconds,
    messagesPerSecond: seconds > 0 ? messages / seconds : 0,
    minPerSubscriber: Math.min(...counts),
    maxPerSubscriber: Math.max(...counts),
    disconnected,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}
