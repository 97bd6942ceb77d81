/**
 * Headless Chromium for tests that render a page (the dashboard, the crawl report): Debian's
 * /usr/bin/chromium driven by playwright-core, with a throwaway profile directory, and helpers that
 * read screenshot pixels. `requireChromium(t)` fails the test when Chromium is missing, or skips it when
 * PEERBOOK_SKIP_BROWSER=1 — never silently. Set PEERBOOK_SCREENSHOT_DIR to keep the screenshots.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { decodePng, type Image } from '../dashboard/png.js';

/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';
/** Flags for a quiet, offline, sandbox-free headless run. */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--force-color-profile=srgb',
];

/** True when Chromium is there; otherwise fails (or, with PEERBOOK_SKIP_BROWSER=1, skips) the test. */
export function requireChromium(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.PEERBOOK_SKIP_BROWSER === '1') {
    t.skip(`${CHROMIUM} is missing and PEERBOOK_SKIP_BROWSER=1`);
    return false;
  }
  assert.fail(`${CHROMIUM} is missing: install the Debian package chromium (scripts/install-test-deps.sh as root), or set PEERBOOK_SKIP_BROWSER=1 to skip this test`);
}

/** A running browser with one page, and what the page complained about. */
export interface TestBrowser {
  page: Page;
  /** Page errors, console errors and warnings (CSP violations are console errors). */
  problems: string[];
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile (removed on close) and a `width`×`height` viewport at scale 1. */
export async function launchBrowser(width: number, height: number): Promise<TestBrowser> {
  const profile = await mkdtemp(path.join(tmpdir(), 'peerbook-chromium-profile-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, viewport: { width, height }, deviceScaleFactor: 1,
      // Chromium keeps settings and caches under HOME (~/.config/chromium, ~/.cache): give it the throw-away profile.
      env: { ...process.env, HOME: profile },
    });
  } catch (e) {
    await rm(profile, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] ?? await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  return {
    page, problems,
    async close() {
      await context!.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** A full-page screenshot, decoded; also written to $PEERBOOK_SCREENSHOT_DIR/<name>.png when that is set. */
export async function screenshot(page: Page, name: string): Promise<Image> {
  const png = await page.screenshot({ fullPage: true });
  const dir = process.env.PEERBOOK_SCREENSHOT_DIR;
  if (dir) await writeFile(path.join(dir, `${name}.png`), png);
  return decodePng(png);
}

/** The RGB of the pixel at (x, y), rounded down to whole pixels. */
export function pixel(img: Image, x: number, y: number): [number, number, number] {
  const i = (Math.floor(y) * img.width + Math.floor(x)) * 4;
  return [img.rgba[i], img.rgba[i + 1], img.rgba[i + 2]];
}

/** `#rrggbb` → [r, g, b]. */
export function rgb(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

/** Largest per-channel difference of two colours. */
export function colourDistance(a: readonly number[], b: readonly number[]): number {
  return Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2]));
}

/** True when some pixel within `radius` of (x, y) is within `tolerance` of `colour`. */
export function colourNear(img: Image, x: number, y: number, colour: readonly number[], radius: number, tolerance: number): boolean {
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) {
      const px = Math.floor(x) + dx;
      const py = Math.floor(y) + dy;
      if (px < 0 || py < 0 || px >= img.width || py >= img.height) continue;
      if (colourDistance(pixel(img, px, py), colour) <= tolerance) return true;
    }
  }
  return false;
}
