import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openapiDocument as document } from '@sbc/contract';

// Built by the `build` task, which turbo runs before `test`.
const html = readFileSync(new URL('../dist/index.html', import.meta.url), 'utf8');

describe('the published API reference', () => {
  it('loads no script from anywhere but itself', () => {
    const scriptSources = [...html.matchAll(/<script\b[^>]*\bsrc\s*=\s*["']?([^"' >]+)/gi)].map((m) => m[1]);
    expect(scriptSources).toEqual([]);
    expect(html).not.toMatch(/import\s*\{[^}]*\}\s*from\s*["']https?:/);
  });

  it('loads no stylesheet, font or preload from the network', () => {
    const links = [...html.matchAll(/<link\b[^>]*\bhref\s*=\s*["']?([^"' >]+)/gi)].map((m) => m[1]);
    expect(links.filter((href) => /^(https?:)?\/\//.test(href ?? ''))).toEqual([]);
    expect(html).not.toMatch(/@import\s+url\(\s*["']?https?:/);
    expect(html).not.toContain('fonts.googleapis.com');
  });

  it('loads nothing from another origin: no absolute URL as an image, a source or a CSS url()', () => {
    // Absolute URLs in the page are fine as links and XML namespaces; not where a browser fetches them.
    const loaded = [...html.matchAll(/(?:https?:)?\/\/[\w.-]+\.[a-z]{2,}[^\s`'"()<>]*/gi)]
      .filter((m) => /(?:\b(?:src|srcset|poster|data)\s*[=:]|url\(|@import)[^;{}]*$/i.test(html.slice(Math.max(0, m.index - 80), m.index)))
      .map((m) => m[0]);
    expect(loaded).toEqual([]);
  });

  it('shows the servers\' descriptions as plain text, without Markdown backticks', () => {
    const { servers = [] } = document as { servers?: Array<{ description?: string }> };
    for (const server of servers) expect(server.description ?? '').not.toContain('`');
  });

  it('shows every operation of the contract', () => {
    const summaries = Object.values(document.paths).flatMap((item) =>
      Object.values(item as Record<string, { summary?: string }>)
        .map((op) => op.summary)
        .filter((s): s is string => typeof s === 'string'),
    );
    expect(summaries.length).toBeGreaterThanOrEqual(13);
    for (const summary of summaries) expect(html).toContain(summary);
  });
});
