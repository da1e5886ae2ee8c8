import { createServer } from 'node:http';
import Database from 'better-sqlite3';

/**
 * Baseline 1: the least a Node server can do for GET /sbc/session/{id}: node:http, the same
 * SQLite lookup by Call-ID on the same file, and the stored JSON sent as it is. No token, no
 * validation, no logging: the ceiling the product is compared with.
 */
const db = new Database(process.env.SBC_DB, { fileMustExist: true });
const lookup = db.prepare('SELECT data FROM sessions WHERE call_id = ?').pluck();
const PREFIX = '/sbc/session/';

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/readyz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}');
    return;
  }
  if (req.method !== 'GET' || !url.startsWith(PREFIX)) {
    res.writeHead(404).end();
    return;
  }
  let data: string | undefined;
  try {
    data = lookup.get(decodeURIComponent(url.slice(PREFIX.length))) as string | undefined;
  } catch {
    res.writeHead(400).end();
    return;
  }
  if (data === undefined) res.writeHead(404).end();
  else res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }).end(data);
});

server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => db.close()));
