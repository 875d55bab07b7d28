// Cold start of the widget in headless Chromium on a local partner page: for each run a fresh
// browser context (empty cache) loads the page; we read, inside the page, when embed.js finished
// downloading and when the widget fired `pledge:ready`. Prints the median of the runs.
//   node tests/bench/cold-start.mjs [runs=15] [--phone]
// --phone throttles every request of the page through the DevTools protocol to a phone's
// network (issue 12): 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip.
// --waterfall also prints, for the run at the median, each request the page made: when it
// started and ended (ms from navigation, Resource Timing), so what waits for what shows.
// Uses PLEDGE_SERVER_BIN (default target/release/pledge-server, then target/debug).
import { chromium } from '@playwright/test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const phone = args.includes('--phone');
const waterfall = args.includes('--waterfall');
const runs = Number(args.find((a) => /^\d+$/.test(a)) || 15);
const PHONE = { offline: false, latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 750_000 / 8 };
const { startStack, root } = await import('../e2e/support/stack.mjs');
if (!process.env.PLEDGE_SERVER_BIN) {
  const release = join(root, 'target/release/pledge-server');
  if (existsSync(release)) process.env.PLEDGE_SERVER_BIN = release;
}
const stack = await startStack();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const fromNav = [], fromScript = [], requests = [];
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    if (phone) {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', PHONE);
    }
    await page.addInitScript(() => {
      document.addEventListener('pledge:ready', () => { window.__pledgeReadyAt = performance.now(); }, { once: true });
    });
    await page.goto(`${stack.partnerOrigin}/partner.html`);
    await page.waitForFunction(() => window.__pledgeReadyAt !== undefined, null, { timeout: 15000 });
    const t = await page.evaluate(() => {
      const script = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/widget/embed.js'));
      const requests = performance.getEntriesByType('resource').map((e) => ({
        name: e.name.replace(/^https?:\/\/[^/]+/, ''), start: e.startTime, end: e.responseEnd,
      }));
      return { ready: window.__pledgeReadyAt, scriptLoaded: script ? script.responseEnd : NaN, requests };
    });
    // The form is usable: the name field accepts typing.
    await page.getByLabel(/^name/i).fill('x', { timeout: 5000 });
    fromNav.push(t.ready);
    fromScript.push(t.ready - t.scriptLoaded);
    requests.push(t.requests);
    await context.close();
  }
  console.log(`runs: ${runs}${phone ? ' (phone network: 1.6 Mbit/s down, 750 kbit/s up, 150 ms RTT)' : ' (loopback)'}`);
  console.log(`navigation start -> pledge:ready: median ${median(fromNav).toFixed(0)} ms (min ${Math.min(...fromNav).toFixed(0)}, max ${Math.max(...fromNav).toFixed(0)})`);
  console.log(`embed.js loaded  -> pledge:ready: median ${median(fromScript).toFixed(0)} ms (min ${Math.min(...fromScript).toFixed(0)}, max ${Math.max(...fromScript).toFixed(0)})`);
  if (waterfall) {
    const at = fromNav.indexOf(median(fromNav));
    console.log(`requests of the median run (ms from navigation; pledge:ready at ${fromNav[at].toFixed(0)}):`);
    for (const r of requests[at]) console.log(`  ${r.start.toFixed(0).padStart(6)} -> ${r.end.toFixed(0).padStart(6)}  ${r.name}`);
  }
} finally {
  await browser.close();
  await stack.stop();
}
