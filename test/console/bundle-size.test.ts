import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from './harness.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console/dist');
const BUDGET = 250 * 1024;

/** The JavaScript the console's first load fetches: index.html's module scripts and module preloads. */
function firstLoadScripts(): string[] {
  const html = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
  const srcs = [...html.matchAll(/<script[^>]+src="([^"]+)"/g), ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)].map((m) => m[1]);
  return srcs.map((s) => path.join(DIST, s.replace(/^\//, '')));
}

describe('console bundle', () => {
  it('first load is at most 250 KB of JavaScript, gzipped', () => {
    ensureConsoleBuilt();
    const files = firstLoadScripts();
    expect(files.length).toBeGreaterThan(0);
    const raw = files.reduce((n, f) => n + fs.statSync(f).size, 0);
    const gz = files.reduce((n, f) => n + gzipSync(fs.readFileSync(f), { level: 9 }).length, 0);
    console.log(`[console] first-load JavaScript: ${files.length} file(s), ${(raw / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzipped (budget 250 KB)`);
    // No inline scripts: the console's CSP is script-src 'self'.
    expect(fs.readFileSync(path.join(DIST, 'index.html'), 'utf8')).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(gz).toBeLessThanOrEqual(BUDGET);
  });
});
