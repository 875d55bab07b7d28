// The supporter's core journey in Firefox and WebKit (Chromium has the Playwright specs), against
// the real pledge-server on loopback with proof of work on: a partner page on another origin, the
// widget in its shadow root, a signature, `pledge:signed`, and another profile's count moving
// live over SSE. Each engine's missing features are detected, and the widget's fallback for each
// is what gets asserted in that engine; a second run per engine takes away the features it has
// (adoptedStyleSheets, Web Locks, BroadcastChannel) so their fallbacks run there too.
//   xvfb-run -a node tests/engines/journey.mjs [firefox|webkit ...]   (after cargo build -p pledge-server)
// No retries and nothing skipped: an engine that cannot start fails the run.
import assert from 'node:assert/strict';
import { startStack } from '../e2e/support/stack.mjs';
import { firefox, webkit, HOST } from './drivers.mjs';

const ENGINES = { firefox, webkit };
const SLUG = 'no-music-for-ice';
const WAIT_MS = 15_000;

/** Polls `check` (async, returns a truthy value when done) every 100 ms, up to `ms`. */
async function until(what, check, ms = WAIT_MS) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Page functions (run inside the engine; they read the real DOM and the page's probe).
const shadowState = (hostSel) => {
  const host = document.querySelector(hostSel);
  const root = host && host.shadowRoot;
  const q = (s) => root && root.querySelector(s);
  const count = q('[part~="count"]');
  const thanks = q('#pw-thanks');
  const nameInput = q('#pw-name');
  return {
    visible: document.visibilityState === 'visible',
    hasRoot: !!root,
    mode: root ? root.mode : null,
    formReady: !!nameInput,
    // The widget's stylesheet reached the shadow root, one way or the other.
    adopted: root && root.adoptedStyleSheets ? root.adoptedStyleSheets.length : 0,
    styleElements: root ? root.querySelectorAll('style').length : 0,
    // Host CSS cannot reach in and the widget's CSS does not leak out: its inputs are styled by
    // its own sheet (a border radius the page does not set), and the page's text is untouched.
    inputRadius: nameInput ? getComputedStyle(nameInput).borderTopLeftRadius : null,
    outsideInput: document.querySelector('#pw-name') !== null,
    count: count ? count.textContent.trim() : '',
    thanks: thanks ? thanks.textContent.trim() : null,
    probe: window.__probe,
  };
};
const digits = (s) => Number(String(s).replace(/\D/g, ''));

async function journey(engine, stack, without) {
  const url = `${stack.partnerOrigin}/engines.html${without ? `?without=${without}` : ''}`;
  assert.notEqual(new URL(url).origin, new URL(stack.pledgeOrigin).origin, 'the partner page is on another origin');
  const state = (page) => page.run(shadowState, HOST);

  // The viewer: another profile (its own storage, locks and channels), so only the server's
  // event stream can move its count.
  const viewerProfile = await engine.profile();
  const viewer = await viewerProfile.newPage();
  await viewer.goto(url);
  // No signature yet: the count reads "Be the first to sign" (digits() of it is 0).
  const seen = await until('the viewer widget to show its count', async () => { const s = await state(viewer); return s.count !== '' && s; });
  const features = seen.probe.features;
  assert.equal(seen.visible, true, 'the viewer page is visible (a hidden one holds no stream)');
  const before = digits(seen.count);

  // The signer.
  const signerProfile = await engine.profile();
  const signer = await signerProfile.newPage();
  await signer.goto(url);
  const ready = await until('the signer widget to render its form', async () => { const s = await state(signer); return s.formReady && s; });
  assert.equal((await state(viewer)).visible, true, 'the viewer stays visible beside the signer');
  // A second page of the signer's profile, as a supporter with two tabs of the partner's site.
  const sibling = await signerProfile.newPage();
  await sibling.goto(url);
  await until('the sibling page to show its count', async () => { const s = await state(sibling); return s.count !== '' && s; });
  assert.equal(ready.hasRoot, true, 'the widget renders in a shadow root');
  assert.equal(ready.outsideInput, false, 'nothing of the widget is in the light DOM');
  // Constructable stylesheets where the engine has them, else a <style> in the shadow root.
  if (features.adoptedStyleSheets) assert.ok(ready.adopted >= 1 && ready.styleElements === 0, `adopted sheet expected: ${JSON.stringify(ready)}`);
  else assert.ok(ready.styleElements >= 1, `fallback <style> expected: ${JSON.stringify(ready)}`);
  assert.notEqual(ready.inputRadius, '0px', 'the widget stylesheet applies inside the shadow root');
  await until('pledge:ready', async () => (await state(signer)).probe.events.some((e) => e.name === 'ready'));

  await signer.type('#pw-name', 'Ada Lovelace');
  await signer.type('#pw-email', `ada-${engine.name}@example.org`);
  await signer.select('#pw-fields-role', 'artist');
  await signer.click('#pw-consent');
  await signer.click('[part~="submit"]');

  // The server runs with proof of work on: a signature without a valid proof is refused, so
  // reaching thanks means the engine solved the challenge.
  const done = await until('the thanks view', async () => { const s = await state(signer); return s.thanks && s; }, 30_000);
  const signed = done.probe.events.filter((e) => e.name === 'signed');
  assert.equal(signed.length, 1, `one pledge:signed: ${JSON.stringify(done.probe.events)}`);
  assert.equal(signed[0].detail.campaign, SLUG);
  assert.equal(signed[0].detail.count, before + 1);
  assert.equal(done.probe.events.filter((e) => e.name === 'error').length, 0, 'no pledge:error');
  const rows = await stack.exportRows(SLUG);
  assert.equal(rows.length, 1, 'exactly one signature stored');
  assert.ok(rows[0].includes(`ada-${engine.name}@example.org`));

  // The viewer's count moves without a reload: over its event stream where the engine has
  // EventSource, else by the polling fallback (every 30 s; then no stream was ever opened).
  const moved = await until('the viewer count to move', async () => { const s = await state(viewer); return digits(s.count) === before + 1 && s; }, features.eventSource ? WAIT_MS : 40_000);
  if (features.eventSource) assert.equal(moved.probe.opened - moved.probe.closed, 1, 'one open event stream in the viewer');
  else assert.equal(moved.probe.opened, 0, 'polling fallback: no stream');

  // Within one profile: with Web Locks and BroadcastChannel one page holds the stream and tells
  // the other; without either, each page follows its own.
  const [a, b] = await until('both pages of the signer profile to show the new count', async () => {
    const both = [await state(signer), await state(sibling)];
    return both.every((s) => digits(s.count) === before + 1) && both;
  });
  assert.ok(a.visible && b.visible, 'both pages of the signer profile are visible');
  const streams = [a, b].map((s) => s.probe.opened - s.probe.closed);
  if (features.eventSource && features.webLocks && features.broadcastChannel) assert.deepEqual(streams.sort(), [0, 1], 'one stream for the profile');
  else if (features.eventSource) assert.deepEqual(streams, [1, 1], 'fallback: a stream per page');

  await sibling.close();
  await signer.close();
  await viewer.close();
  await signerProfile.close();
  await viewerProfile.close();
  return features;
}

// Each engine as it is, then with the features the widget can do without taken away (its
// fallbacks: a <style> element, a stream per page). EventSource stays: without it the count is
// fetched every 30 s, which would only make the run slower.
const VARIANTS = ['', 'adopted,locks,bc'];
const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(ENGINES);
let failed = 0;
const report = [];
for (const name of names) for (const without of VARIANTS) {
  if (!ENGINES[name]) throw new Error(`unknown engine ${name} (known: ${Object.keys(ENGINES).join(', ')})`);
  const label = without ? `${name} without ${without}` : name;
  const t0 = Date.now();
  const stack = await startStack({ demoArgs: ['--pow', '50000'] });
  let engine;
  try {
    engine = await ENGINES[name]();
    const features = await journey(engine, stack, without);
    const lacks = Object.entries(features).filter(([, v]) => !v).map(([k]) => k);
    report.push(`ok    ${label} (${engine.version}) ${Date.now() - t0} ms; lacks: ${lacks.join(', ') || 'nothing the widget uses'}`);
  } catch (e) {
    failed += 1;
    report.push(`FAIL  ${label}${engine ? ` (${engine.version})` : ''}: ${e.stack || e}`);
  } finally {
    await engine?.close().catch(() => {});
    await stack.stop();
  }
}
console.log(report.join('\n'));
process.exit(failed ? 1 : 0);
