// The real stack for browser tests: a pledge-server with a fresh SQLite file on loopback,
// and a static "partner site" on another loopback origin serving www/ and the test pages.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, extname, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../../..');
const serverBin = process.env.PLEDGE_SERVER_BIN || join(root, 'target/debug/pledge-server');
const run = promisify(execFile);

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.svg': 'image/svg+xml', '.wasm': 'application/wasm' };

/** A static partner site on 127.0.0.1:0; `%PLEDGE_ORIGIN%` in HTML becomes the endpoint's origin. */
async function startPartnerSite(dirs, getPledgeOrigin) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const rel = normalize(path === '/' ? '/index.html' : path).replace(/^(\.\.[/\\])+/, '');
    // /vendor/PKG/... serves CSS frameworks from node_modules, for the real-framework pages.
    // /leptos-app/... and /bundler-app/... serve the example apps built into target/ (by
    // .ci/build-example and examples/bundler-app/build.mjs).
    const built = rel.startsWith('/leptos-app/') || rel.startsWith('/bundler-app/');
    const candidates = rel.startsWith('/vendor/') ? [join(root, 'node_modules', rel.slice('/vendor/'.length))]
      : built ? [join(root, 'target', rel)] : dirs.map((d) => join(d, rel));
    const file = candidates.find((f) => existsSync(f) && statSync(f).isFile());
    if (!file) { res.writeHead(404).end('not found'); return; }
    let body = readFileSync(file);
    const type = TYPES[extname(file)] || 'application/octet-stream';
    if (extname(file) === '.html') body = body.toString('utf8').replaceAll('%PLEDGE_ORIGIN%', getPledgeOrigin());
    const headers = { 'content-type': type, 'cache-control': 'no-store' };
    // A page may ask for a strict Content-Security-Policy header via a sibling file NAME.html.csp.
    if (existsSync(`${file}.csp`)) headers['content-security-policy'] = readFileSync(`${file}.csp`, 'utf8').trim().replaceAll('%PLEDGE_ORIGIN%', getPledgeOrigin());
    res.writeHead(200, headers).end(body);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

function waitForLine(child, pattern, ms) {
  return new Promise((ok, fail) => {
    let seen = '';
    const timer = setTimeout(() => fail(new Error(`pledge-server did not print ${pattern} within ${ms} ms:\n${seen}`)), ms);
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = seen.match(pattern);
      if (m) { clearTimeout(timer); ok(m); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`pledge-server exited (${code}) before ready:\n${seen}`)); });
  });
}

/**
 * Starts pledge-server (`demo`: seeded campaign `no-music-for-ice`) on a fresh database and a partner site.
 * `campaigns`: extra `campaign create` argument lists, created before start; `demoArgs`: extra
 * `demo` flags (e.g. `['--pow', '50000']`).
 */
export async function startStack({ campaigns = [], demoArgs = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-e2e-'));
  const databaseUrl = `sqlite://${join(dir, 'pledges.db')}`;
  let pledgeOrigin = 'http://127.0.0.1:9';
  const partner = await startPartnerSite([join(root, 'tests/e2e/pages'), join(root, 'www')], () => pledgeOrigin);
  const cli = async (...args) => (await run(serverBin, [...args, '--database-url', databaseUrl], { timeout: 20000 })).stdout;
  for (const c of campaigns) await cli('campaign', 'create', ...c, '--allowed-origin', partner.origin);

  let child;
  const start = async () => {
    child = spawn(serverBin, ['demo', '--addr', '127.0.0.1:0', '--partner-addr', '127.0.0.1:0',
      '--database-url', databaseUrl, '--allowed-origin', partner.origin, '--no-sample-signers', ...demoArgs], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: 'warn' } });
    child.stderr.on('data', (d) => process.env.E2E_VERBOSE && process.stderr.write(d));
    const [, url] = await waitForLine(child, /pledge-server listening on (http:\/\/\S+)/, 20000);
    pledgeOrigin = url;
  };
  await start();

  return {
    partnerOrigin: partner.origin,
    get pledgeOrigin() { return pledgeOrigin; },
    get endpoint() { return `${pledgeOrigin}/api/v1`; },
    cli,
    /** CSV rows (header excluded) of a campaign's export, read from the real database file. */
    async exportRows(slug) {
      const lines = (await cli('campaign', 'export', slug)).trim().split('\n');
      return lines.slice(1).filter((l) => l.length > 0);
    },
    /** SIGKILL, as a crash would. */
    kill() { child.kill('SIGKILL'); return new Promise((ok) => child.once('exit', ok)); },
    restart: start,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) { child.kill('SIGTERM'); await new Promise((ok) => child.once('exit', ok)); }
      // close() waits for every open connection; a socket the browser opened ahead (a
      // preconnect that never sent a request) would hold it until the headers timeout (60 s):
      // end them all now, not after.
      const closed = new Promise((ok) => partner.server.close(ok));
      partner.server.closeAllConnections?.();
      await closed;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
