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
