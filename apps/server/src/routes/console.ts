import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Context } from 'koa';
import { notFound, notReady } from '../errors.js';

/**
 * The console's page and assets may load and reach nothing but this origin: no inline script,
 * no other host, no plug-ins, not framed by another site.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const mediaTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** A built asset's name: Vite's `name-hash.ext`, nothing that could climb out of the directory. */
const assetName = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.[a-z]+$/;

/**
 * The operations console from @sbc/console: its page at /console, read again on every request
 * (a rebuilt console is served at once), and its assets at /console/assets/<name>. Asset names
 * carry a hash of their content, so a browser may keep them for a year; the page must be asked
 * for again, so that a new build's assets are found. A clear 503 until the console is built.
 */
export async function serveConsole(ctx: Context, consoleDir: string, asset: string | undefined): Promise<void> {
  ctx.set('Content-Security-Policy', contentSecurityPolicy);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  if (asset === undefined) {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = await readBuilt(join(consoleDir, 'index.html'));
    return;
  }
  const type = mediaTypes[extname(asset)];
  if (!assetName.test(asset) || type === undefined) throw notFound(`No such console asset: ${asset}`);
  let body: Buffer;
  try {
    body = await readFile(join(consoleDir, 'assets', asset));
  } catch {
    throw notFound(`No such console asset: ${asset}`);
  }
  ctx.type = type;
  ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
  ctx.body = body;
}

async function readBuilt(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    throw notReady('The console is not built: run `pnpm --filter @sbc/console build`');
  }
}
