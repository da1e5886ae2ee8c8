// The real server, started as `pnpm start` would start it (its compiled main.js, on a database
// of its own, loopback only, a free port), its admin command line, and Debian's Chromium driven by
// playwright-core. Shared by the browser tests and the console's bench.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const serverDir = join(import.meta.dirname, '..', '..', 'server');
export const artifactsDir = join(import.meta.dirname, 'artifacts');

export interface TestServer {
  url: string;
  /** Runs `sbc-admin` on the server's database; returns its stdout. */
  admin(...args: string[]): string;
  /** A new token of that level (the last line `token create` prints). */
  token(level: 'ADMIN' | 'RESELLER_ADMIN' | 'SBC', options?: { customer?: string; sbcServer?: string; expiresIn?: string; name?: string }): string;
  stop(): Promise<void>;
}

/** `niceness`: the server's CPU priority (nice value, 0 to 19); a bench lowers it, the browser being what it measures. */
export async function startServer({ niceness = 0 }: { niceness?: number } = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sbc-console-'));
  const dbPath = join(dir, 'sessions.db');
  const admin = (...args: string[]) =>
    execFileSync(process.execPath, [join(serverDir, 'bin', 'sbc-admin.js'), ...args], { env: { PATH: process.env['PATH'] ?? '', SBC_DB: dbPath }, encoding: 'utf8' });
  const token: TestServer['token'] = (level, options = {}) => {
    const args = ['token', 'create', '--level', level, '--name', options.name ?? `${level.toLowerCase()} (browser test)`];
    if (options.customer) args.push('--customer', options.customer);
    if (options.sbcServer) args.push('--sbc-server', options.sbcServer);
    if (options.expiresIn) args.push('--expires-in', options.expiresIn);
    return admin(...args).trim().split('\n').at(-1)!;
  };
  // A token before the first start, so that the server prints none.
  token('ADMIN', { name: 'first' });
  const child = spawn(process.execPath, [join(serverDir, 'dist', 'main.js')], {
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', HOST: '127.0.0.1', SBC_DB: dbPath, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (niceness > 0) setPriority(child.pid!, niceness);
  const url = await listeningUrl(child);
  return {
    url,
    admin,
    token,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The URL of the `listening` log line; the rest of stdout (the access log) is read and dropped. */
async function listeningUrl(child: ChildProcess): Promise<string> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const read = (chunk: Buffer) => {
      seen += chunk.toString();
      const url = /"msg":"listening".*?"url":"([^"]+)"|"url":"([^"]+)".*?"msg":"listening"/.exec(seen);
      if (url) {
        seen = '';
        child.stdout!.off('data', read);
        child.stdout!.resume();
        resolve(url[1] ?? url[2]!);
      }
    };
    child.stdout!.on('data', read);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening:\n${seen}`)));
  });
}

/** Debian's Chromium (`apt-get install chromium`): no browser is downloaded. */
export function launchBrowser(): Promise<Browser> {
  mkdirSync(artifactsDir, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Opens the console in a new page and signs in with the token. */
export async function signIn(browser: Browser, url: string, token: string, options: { viewport?: { width: number; height: number }; timezoneId?: string } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, ...options });
  await page.goto(`${url}/console`);
  await page.getByLabel('API token').fill(token);
  await page.getByLabel('API token').press('Enter');
  await page.getByTestId('identity').waitFor();
  return page;
}

/** The live-call count the console shows. */
export const liveCount = async (page: Page): Promise<number> => Number((await page.getByTestId('live-count').textContent())!.replace(/\D/g, ''));
