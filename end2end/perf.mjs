// Page weight and time to interactive in Chromium, as a newcomer meets
// them: each page loaded with an empty cache, then again with a warm one.
// Bytes are what crossed the wire (compressed sizes, headers included);
// "interactive" is when hydration marked <html data-hydrated>.
// MBPS=20 throttles the download to 20 Mbit/s with 40 ms latency (an
// office link far from the server); unset, loopback speed.
// Usage: BASE_URL=http://127.0.0.1:3000 [MBPS=20] node perf.mjs [runs]
import { chromium } from 'playwright-core';

const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const RUNS = Number(process.argv[2] ?? 5);
const MBPS = Number(process.env.MBPS ?? 0);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

async function signedInState() {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE}/login`);
  await page.waitForSelector('html[data-hydrated]', { state: 'attached' });
  await page.click('button[data-user="sam@example.com"]');
  await page.waitForURL(`${BASE}/`);
  const state = await context.storageState();
  await context.close();
  return state;
}

async function load(context, path) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  if (MBPS > 0) {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 40, downloadThroughput: (MBPS * 1e6) / 8, uploadThroughput: (MBPS * 1e6) / 8,
    });
  }
  let bytes = 0, requests = 0;
  cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; requests += 1; });
  const t0 = Date.now();
  await page.goto(`${BASE}${path}`);
  await page.waitForSelector('html[data-hydrated]', { state: 'attached', timeout: 60000 });
  const interactive = Date.now() - t0;
  await page.waitForLoadState('networkidle');
  await page.close();
  return { bytes, requests, interactive };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const state = await signedInState();
console.log(`page weight and time to interactive at ${BASE} (median of ${RUNS}${MBPS ? `, ${MBPS} Mbit/s, 40 ms` : ', loopback'})`);
// The two pages people land on (in the main module), then lazy pages opened
// first: their code comes in chunks the page preloads.
const pages = [
  ['/login (signed out)', '/login', undefined],
  ['/ (engineer)', '/', state],
  ['/requests (lazy)', '/requests', state],
  ['/request (wizard)', '/request', state],
];
for (const [label, path, storage] of pages) {
  for (const warm of [false, true]) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ storageState: storage });
      if (warm) await load(context, path);
      runs.push(await load(context, path));
      await context.close();
    }
    const kb = (median(runs.map((r) => r.bytes)) / 1024).toFixed(1);
    console.log(`${label.padEnd(20)} ${warm ? 'warm cache' : 'empty cache'}: ${kb} KB over ${median(runs.map((r) => r.requests))} requests, interactive in ${median(runs.map((r) => r.interactive))} ms`);
  }
}
await browser.close();
