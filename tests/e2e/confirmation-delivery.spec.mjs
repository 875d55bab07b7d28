// Issue 16 end to end: a supporter signs on a partner page (another origin) of a campaign
// that asks for confirmation; the widget says to check the inbox; the confirmation email
// arrives at a real SMTP server run by this test on loopback; the supporter follows its
// confirm link (a page, then its button); the count moves on a second partner page; a
// webhook receiver got `signature.created` (pending) then `signature.confirmed`, each with
// a valid `Pledge-Signature` HMAC; an Action Network stand-in got one correct person.
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { spawn, execFile } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test, expect } from '@playwright/test';
import { root } from './support/stack.mjs';
import { widget, countText } from './support/widget.mjs';

const run = promisify(execFile);
const serverBin = process.env.PLEDGE_SERVER_BIN || join(root, 'target/debug/pledge-server');
const SLUG = 'confirm-e2e';
const API_KEY = 'an-e2e-key-0123';

/** A small SMTP server (EHLO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT). */
function startSmtp() {
  const received = [];
  const server = createTcpServer((socket) => {
    let buffer = '';
    let inData = false;
    let rcpt = [];
    let data = [];
    socket.write('220 e2e.invalid ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let at;
      while ((at = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            received.push({ rcpt, raw: data.join('\r\n') });
            rcpt = [];
            data = [];
            socket.write('250 queued\r\n');
          } else {
            data.push(line.startsWith('.') ? line.slice(1) : line);
          }
          continue;
        }
        const command = line.toUpperCase();
        if (command.startsWith('EHLO')) socket.write('250-e2e.invalid\r\n250 8BITMIME\r\n');
        else if (command.startsWith('HELO') || command.startsWith('NOOP') || command.startsWith('MAIL FROM')) socket.write('250 ok\r\n');
        else if (command.startsWith('RCPT TO')) { rcpt.push(line.slice(8).trim().replace(/^<|>$/g, '')); socket.write('250 ok\r\n'); }
        else if (command === 'RSET') { rcpt = []; socket.write('250 ok\r\n'); }
        else if (command === 'DATA') { inData = true; socket.write('354 go on\r\n'); }
        else if (command === 'QUIT') { socket.end('221 bye\r\n'); }
        else socket.write('502 not implemented\r\n');
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, received, port: server.address().port })));
}

/** The decoded body of an email's part with this content type (lettre writes base64 parts). */
function part(raw, type) {
  const start = raw.indexOf(`Content-Type: ${type}`);
  if (start < 0) throw new Error(`no ${type} part in ${raw}`);
  const rest = raw.slice(start);
  const body = rest.slice(rest.indexOf('\r\n\r\n') + 4);
  const end = body.indexOf('\r\n--');
  return Buffer.from(body.slice(0, end < 0 ? undefined : end).replace(/\s+/g, ''), 'base64').toString('utf8');
}

/** An HTTP server that records every request and answers 200 with `answer`. */
function startRecorder(answer) {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, requests, url: `http://127.0.0.1:${server.address().port}` })));
}

/** A partner site: one page with the documented script-tag snippet. */
function startPartner(getOrigin, heading) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${heading}</title></head><body><h1>${heading}</h1>
<script src="${getOrigin()}/widget/embed.js" data-endpoint="${getOrigin()}/api/v1" data-campaign="${SLUG}" async></script></body></html>`);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, origin: `http://127.0.0.1:${server.address().port}` })));
}

/** What a receiver does with `Pledge-Signature: t=…,v1=…` (docs/integrations.md). */
function validSignature(secret, request) {
  const parts = Object.fromEntries(request.headers['pledge-signature'].split(',').map((p) => p.split('=')));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${request.body}`).digest();
  const given = Buffer.from(parts.v1 || '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    && Math.abs(Date.now() / 1000 - Number(parts.t)) < 300;
}

let dir;
let child;
let smtp;
let hook;
let network;
let artist;
let venue;
let pledgeOrigin = 'http://127.0.0.1:9';
let secret;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pledge-e2e-confirm-'));
  const databaseUrl = `sqlite://${join(dir, 'pledges.db')}`;
  const cli = async (...args) => (await run(serverBin, [...args, '--database-url', databaseUrl], { timeout: 20000 })).stdout;
  smtp = await startSmtp();
  hook = await startRecorder('{}');
  network = await startRecorder('{"identifiers":["action_network:e2e-1"]}');
  artist = await startPartner(() => pledgeOrigin, 'An artist');
  venue = await startPartner(() => pledgeOrigin, 'A venue');
  const keyFile = join(dir, 'an-key');
  writeFileSync(keyFile, `${API_KEY}\n`);
  await cli('campaign', 'create', SLUG, '--title', 'Confirmed pledge', '--text', 'We confirm.',
    '--pow', '0', '--allowed-origin', artist.origin, '--allowed-origin', venue.origin);
  await cli('campaign', 'edit', SLUG, '--confirm-email');
  const added = await cli('webhook', 'add', SLUG, `${hook.url}/hook`);
  secret = added.trim().split('\n').pop().trim();
  await cli('osdi', 'add', SLUG, '--petition', 'p-e2e', '--base-url', network.url, '--api-key-file', keyFile, '--tag', 'e2e');
  child = spawn(serverBin, ['serve', '--addr', '127.0.0.1:0', '--database-url', databaseUrl,
    '--smtp-url', `smtp://127.0.0.1:${smtp.port}?tls=none`, '--mail-from', 'Pledge <pledge@example.org>'],
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: 'warn' } });
  child.stderr.on('data', (d) => process.env.E2E_VERBOSE && process.stderr.write(d));
  pledgeOrigin = await new Promise((ok, fail) => {
    let seen = '';
    const timer = setTimeout(() => fail(new Error(`pledge-server did not start:\n${seen}`)), 20000);
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = seen.match(/pledge-server listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`pledge-server exited (${code}):\n${seen}`)); });
  });
});

test.afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await new Promise((ok) => child.once('exit', ok));
  }
  for (const s of [smtp?.server, hook?.server, network?.server, artist?.server, venue?.server]) {
    if (s) { s.closeAllConnections?.(); await new Promise((ok) => s.close(ok)); }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('sign on a partner page, confirm from the email, the count moves elsewhere, webhooks and Action Network hear it', async ({ context }) => {
  // Another page, on another partner's origin, shows the live count.
  const other = await context.newPage();
  await other.goto(`${venue.origin}/`);
  const counter = widget(other);
  await expect(counter.locator('[part~="form"]')).toBeVisible();
  expect(await countText(counter)).not.toContain('1');

  const page = await context.newPage();
  await page.goto(`${artist.origin}/`);
  const w = widget(page);
  await w.locator('#pw-name').fill('Grace Brewster Hopper');
  await w.locator('#pw-email').fill('grace@example.org');
  await w.locator('#pw-consent').check();
  await w.locator('[part~="submit"]').click();
  await expect(w.locator('#pw-thanks')).toBeVisible();
  // The heading thanks; the line under it says what is left to do (the signature counts once confirmed).
  await expect(w.locator('[part="thanks"] .check-inbox')).toContainText('Check your inbox');

  await expect.poll(() => smtp.received.length, { message: 'the confirmation email arrived' }).toBe(1);
  const email = smtp.received[0];
  expect(email.rcpt).toEqual(['grace@example.org']);
  const text = part(email.raw, 'text/plain');
  const confirm = text.split(/\s+/).find((word) => word.includes('/email/confirm/'));
  expect(confirm, text).toBeTruthy();
  expect(confirm.startsWith(`${pledgeOrigin}/email/confirm/`)).toBe(true);

  // Not counted before the link is followed (the webhook hears `created`, pending).
  await expect.poll(() => hook.requests.length, { message: 'signature.created delivered' }).toBe(1);
  expect(await countText(counter)).not.toContain('1');
  expect(network.requests).toHaveLength(0);

  const mail = await context.newPage();
  await mail.goto(confirm);
  await mail.getByRole('button', { name: 'Confirm my signature' }).click();
  await expect(mail.getByText('is confirmed and counts')).toBeVisible();

  await expect.poll(() => countText(counter), { message: 'the count moved on the other page' }).toContain('1');

  await expect.poll(() => hook.requests.length, { message: 'signature.confirmed delivered' }).toBe(2);
  const events = hook.requests.map((r) => JSON.parse(r.body));
  expect(events.map((e) => e.type)).toEqual(['signature.created', 'signature.confirmed']);
  expect(events[0].data.confirmation).toBe('pending');
  expect(events[1].data.confirmation).toBe('confirmed');
  expect(events.map((e) => e.data.email)).toEqual(['grace@example.org', 'grace@example.org']);
  expect(events[0].id).not.toBe(events[1].id);
  for (const r of hook.requests) {
    expect(r.path).toBe('/hook');
    expect(validSignature(secret, r), r.headers['pledge-signature']).toBe(true);
    expect(validSignature(`${secret}x`, r), 'a wrong secret does not verify').toBe(false);
  }

  await expect.poll(() => network.requests.length, { message: 'Action Network recorded the person' }).toBe(1);
  const recorded = network.requests[0];
  expect(recorded.path).toBe('/api/v2/petitions/p-e2e/signatures/');
  expect(recorded.headers['osdi-api-token']).toBe(API_KEY);
  expect(JSON.parse(recorded.body)).toEqual({
    person: {
      given_name: 'Grace Brewster',
      family_name: 'Hopper',
      email_addresses: [{ address: 'grace@example.org' }],
      languages_spoken: ['en'],
    },
    add_tags: ['e2e'],
    triggers: { autoresponse: { enabled: true } },
  });
  // Nothing more goes out: one person, once.
  await other.waitForTimeout(1500);
  expect(network.requests).toHaveLength(1);
  expect(hook.requests).toHaveLength(2);
  expect(smtp.received).toHaveLength(1);
});
