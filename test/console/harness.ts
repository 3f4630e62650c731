import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { ADMIN, buildTestApp, type FixedClock, type TestApp } from '../helpers.js';
import type { Config } from '../../src/config.js';

/** Debian's Chromium; the browser tests are skipped (with a message) when it is not installed. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
export const SKIP_MESSAGE = `console browser tests skipped: Chromium not found at ${CHROMIUM} (install Debian's chromium package)`;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Where the run's screenshots go (git-ignored). */
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');
export const KEYS_PATH = '/system-configuration/integrations/api-keys';

/** Builds console/dist when it is missing (`npm test` builds it first; a bare `vitest run` may not have). */
export function ensureConsoleBuilt(): void {
  if (fs.existsSync(path.join(ROOT, 'console', 'dist', 'index.html'))) return;
  try {
    execFileSync('npx', ['vite', 'build', '--config', 'console/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  } catch (err) {
    throw new Error(`console/dist is missing and building it failed; run "npm run build" first (${String(err)})`);
  }
  if (!fs.existsSync(path.join(ROOT, 'console', 'dist', 'index.html'))) throw new Error('console/dist/index.html is missing after the build; run "npm run build".');
}

/** A clock that follows real time (the browser's "today" and the server's must agree) but can be moved. */
export function realClock(): FixedClock {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    set: (iso) => void (offset = Date.parse(iso) - Date.now()),
    advance: (ms) => void (offset += ms),
  };
}

/** A real server on loopback (serving console/dist) plus a Chromium, with helpers for the tests. */
export interface ConsoleRig {
  t: TestApp;
  base: string;
  browser: Browser;
  environmentId: string;
  /** A new page in a fresh context (own cookies) that records console errors and page errors. */
  newPage(opts?: { width?: number; height?: number }): Promise<{ page: Page; context: BrowserContext; errors: string[] }>;
  /** Signs in through the login form. */
  login(page: Page, email?: string, password?: string): Promise<void>;
  /** Saves a full-page screenshot under test-results/screenshots. */
  shot(page: Page, name: string, opts?: { fullPage?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** Starts the server (fresh database, real-time clock, `config` over the test defaults) and Chromium. */
export async function startRig(opts: { config?: Partial<Config> } = {}): Promise<ConsoleRig> {
  ensureConsoleBuilt();
  const t = await buildTestApp({ clock: realClock(), config: opts.config });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const env = await t.deps.environments.get('demo');
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const contexts: BrowserContext[] = [];
  return {
    t,
    base,
    browser,
    environmentId: env.id,
    async newPage(opts = {}) {
      const context = await browser.newContext({ baseURL: base, viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 } });
      contexts.push(context);
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const errors: string[] = [];
      page.on('console', (m: ConsoleMessage) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      return { page, context, errors };
    },
    async login(page, email = ADMIN.email, password = ADMIN.password) {
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
    },
    async shot(page, name, opts = {}) {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: opts.fullPage ?? true });
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      await t.close();
    },
  };
}

/** A small PNG logo made with sharp. */
export async function makePng(colour = '#E4572E', size = 96): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  return sharp({ create: { width: size, height: size, channels: 4, background: colour } })
    .composite([{ input: Buffer.from(`<svg width="${size}" height="${size}"><circle cx="${size / 2}" cy="${size / 2}" r="${size / 3}" fill="white"/></svg>`) }])
    .png()
    .toBuffer();
}

/** Calls GET /v1/me with a key over real HTTP. */
export async function me(base: string, key: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * The type of browser globals used inside page.evaluate callbacks: those run in Chromium, but this file is
 * compiled with Node's lib (no DOM), so each test declares the few it uses, module-local, with this loose type.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type InBrowser = any;
