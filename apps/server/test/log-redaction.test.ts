import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { redactUrl } from '../src/logger.js';
import { call, capturedLogs, startTestServer, tokenFor } from './helpers.js';

let server: RunningServer;
let admin: string;
let logLines: string[];

beforeAll(async () => {
  const logs = capturedLogs();
  logLines = logs.lines;
  server = await startTestServer({ logger: logs.logger });
  admin = await tokenFor(server, 'ADMIN');
});
afterAll(() => server.close());

describe('tokens in the query string are never logged', () => {
  it.each(['%74oken', 'tok%65n', '%74%6F%6B%65%6E'])('a token given as ?%s= authenticates and is logged redacted', async (name) => {
    const answer = await call(server, 'listSessions', `/sbc/session?${name}=${admin}`);
    expect(answer.status).toBe(200);
    expect(logLines.join('')).not.toContain(admin);
    expect(logLines.join('')).toContain(`${name}=[REDACTED]`);
  });

  it('redacts by the decoded parameter name and keeps every other parameter as sent', () => {
    expect(redactUrl('/sbc/session?live=true&%74oken=secret&limit=5')).toBe('/sbc/session?live=true&%74oken=[REDACTED]&limit=5');
    expect(redactUrl('/sbc/session?TOKEN=secret')).toBe('/sbc/session?TOKEN=[REDACTED]');
    expect(redactUrl('/sbc/session?tokens=kept&number=%2B45')).toBe('/sbc/session?tokens=kept&number=%2B45');
  });

  it('redacts a token parameter given without a value or with a bad percent-encoding beside it', () => {
    expect(redactUrl('/sbc/session?%zz=1&token=secret')).toBe('/sbc/session?%zz=1&token=[REDACTED]');
  });
});
