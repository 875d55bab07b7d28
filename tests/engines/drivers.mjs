// The two non-Chromium engines behind one small interface, so the journey is written once.
// Firefox (Debian's firefox-esr) over WebDriver BiDi with puppeteer-core; WebKit (WebKitGTK's
// MiniBrowser) through Debian's WebKitWebDriver, spoken to as plain W3C WebDriver over HTTP.
// A "profile" is a browser profile of its own (no shared storage, locks or BroadcastChannel);
// a page handle offers: goto, run (a function's source, evaluated in the page), type, click,
// select (each on a selector inside the widget's shadow root), and close.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import puppeteer from 'puppeteer-core';

const FIREFOX = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER_PATH || '/usr/bin/WebKitWebDriver';
const MINIBROWSER = process.env.MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
/** The widget's host element (the script tag mounts a <pledge-widget> right after itself). */
export const HOST = 'pledge-widget';

// ---- Firefox: puppeteer-core over WebDriver BiDi --------------------------------------------

export async function firefox() {
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: FIREFOX, headless: true, protocolTimeout: 30_000,
    // Loopback only: no updates, telemetry or captive-portal checks while the test runs.
    extraPrefsFirefox: { 'network.captive-portal-service.enabled': false, 'app.update.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false, 'network.connectivity-service.enabled': false },
  });
  const version = await browser.version();
  return {
    name: 'firefox', version,
    async profile() {
      const context = await browser.createBrowserContext();
      // A window each, not a tab: a background tab is hidden, and a hidden widget rightly holds
      // no stream (src/browser/live.rs), so a viewer tab behind the signer's would not move.
      return { newPage: async () => firefoxPage(await context.newPage({ type: 'window' })), close: () => context.close() };
    },
    close: () => browser.close(),
  };
}

function firefoxPage(page) {
  const inShadow = (sel) => `${HOST} >>> ${sel}`;
  return {
    goto: (url) => page.goto(url, { waitUntil: 'load', timeout: 20_000 }),
    run: (fn, ...args) => page.evaluate(`(${fn})(...${JSON.stringify(args)})`),
    type: (sel, text) => page.type(inShadow(sel), text),
    click: (sel) => page.click(inShadow(sel)),
    select: (sel, value) => page.select(inShadow(sel), value),
    close: () => page.close(),
  };
}

// ---- WebKit: WebKitWebDriver (W3C WebDriver classic over HTTP) ------------------------------

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const SHADOW = 'shadow-6066-11e4-a52e-4f735466cecf';

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
    s.on('error', fail);
  });
}

/** One WebKitWebDriver process with one session (one MiniBrowser, its own profile). */
async function webkitSession() {
  const port = await freePort();
  const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=local'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  driver.stderr.on('data', (d) => { stderr += d; });
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const res = await fetch(base + path, {
      method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${res.status} ${JSON.stringify(json.value)}`);
    return json.value;
  };
  // The driver listens within a moment of starting; until then, connections are refused.
  for (let i = 0; ; i++) {
    try { await call('GET', '/status'); break; } catch (e) {
      if (i >= 50) throw new Error(`WebKitWebDriver did not answer on ${base}: ${e.message}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const session = await call('POST', '/session', { capabilities: { alwaysMatch: {
    'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
  } } });
  const s = `/session/${session.sessionId}`;
  return {
    version: session.capabilities.browserVersion,
    call: (method, path, body) => call(method, `${s}${path}`, body),
    async close() {
      await call('DELETE', s).catch(() => {});
      driver.kill('SIGTERM');
      await new Promise((ok) => (driver.exitCode !== null ? ok() : driver.once('exit', ok)));
    },
  };
}

export async function webkit() {
  const sessions = [];
  const open = async () => { const s = await webkitSession(); sessions.push(s); return s; };
  const first = await open();
  let firstTaken = false;
  return {
    name: 'webkit', version: `WebKitGTK ${first.version}`,
    async profile() {
      // Each profile is its own driver and MiniBrowser, so nothing is shared between them.
      const session = firstTaken ? await open() : first;
      firstTaken = true;
      let pages = 0;
      return {
        async newPage() {
          if (pages++ > 0) {
            // A window, not a tab: a background tab is hidden (and holds no stream).
            const { handle } = await session.call('POST', '/window/new', { type: 'window' });
            await session.call('POST', '/window', { handle });
          }
          const handle = await session.call('GET', '/window');
          return webkitPage(session, handle);
        },
        close: async () => {},
      };
    },
    async close() { for (const s of sessions) await s.close(); },
  };
}

function webkitPage(session, handle) {
  // WebDriver classic drives one window at a time: switch to this page's before each command.
  const use = () => session.call('POST', '/window', { handle });
  const find = async (sel) => {
    await use();
    const host = await session.call('POST', '/element', { using: 'css selector', value: HOST });
    const root = await session.call('GET', `/element/${host[ELEMENT]}/shadow`);
    const el = await session.call('POST', `/shadow/${root[SHADOW]}/element`, { using: 'css selector', value: sel });
    return el[ELEMENT];
  };
  return {
    goto: async (url) => { await use(); await session.call('POST', '/url', { url }); },
    run: async (fn, ...args) => {
      await use();
      return session.call('POST', '/execute/sync', { script: `return (${fn}).apply(null, arguments)`, args });
    },
    type: async (sel, text) => session.call('POST', `/element/${await find(sel)}/value`, { text }),
    click: async (sel) => session.call('POST', `/element/${await find(sel)}/click`, {}),
    select: async (sel, value) => session.call('POST', `/element/${await find(`${sel} option[value="${value}"]`)}/click`, {}),
    close: async () => { await use(); await session.call('DELETE', '/window'); },
  };
}
