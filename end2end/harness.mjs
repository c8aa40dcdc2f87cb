// The harness every e2e flow shares: one headless Chromium, pages that
// record any page error, console error or 5xx, dev-mode sign-in, and the
// pass/fail count that `finish()` prints as "e2e: N passed, M failed".
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

export const MOTO = (process.env.MOTO_URL || 'http://127.0.0.1:5000').replace(/\/$/, '');
export const BASE = (process.env.BASE_URL || 'http://127.0.0.1:3000').replace(/\/$/, '');
export const OUT = new URL('./output/', import.meta.url).pathname;
mkdirSync(OUT, { recursive: true });

export const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});

let passed = 0, failed = 0;
export const problems = [];

export function assert(cond, msg) { if (!cond) throw new Error(msg); }

// JSON with object keys sorted, to compare documents whatever their key order.
export function canon(v) {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
  return v;
}

export async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // 4xx answers to refused input are expected and asserted on; anything else is a problem.
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console error on ${page.url()}: ${m.text()}`);
  });
  page.on('response', (r) => { if (r.status() >= 500) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  return { context, page };
}

export async function hydrated(page) {
  // frontend's hydrate() marks <html data-hydrated> once the page is live;
  // then let what it started (server functions) settle.
  // Pages outside the app (the CLI's authorize page, the IdP's) load no wasm.
  await page.waitForFunction(() => document.documentElement.hasAttribute('data-hydrated')
    || !document.querySelector('link[rel="modulepreload"]'));
  await page.waitForLoadState('networkidle');
}

export async function signIn(page, userId) {
  await page.goto(`${BASE}/login`);
  await hydrated(page);
  await page.click(`button[data-user="${userId}"]`);
  await page.waitForURL(`${BASE}/`);
  await hydrated(page);
}

export async function test(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}\n  ${e.stack || e}`);
  }
}

export const policyName = `e2e-read-logs-${Date.now()}`;
export const rolePath = '/roles/111111111111/eng-developer';

/** Closes the browser, prints the count and exits non-zero on a failure. */
export async function finish() {
  await browser.close();
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
