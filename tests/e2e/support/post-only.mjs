// An endpoint that implements only the POST route of docs/api.md (as a partner's own backend
// might): CORS for any origin, `201` for every signature, and a plain-text `404` (no pledge
// API error) for everything else, which is how it says it has no campaign route.
import { createServer } from 'node:http';

export async function startPostOnlyEndpoint() {
  const received = [];
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'content-type, idempotency-key',
  };
  const server = createServer((req, res) => {
    if (req.method === 'OPTIONS') { res.writeHead(204, cors).end(); return; }
    const path = new URL(req.url, 'http://x').pathname;
    if (req.method === 'POST' && /^\/api\/campaigns\/[a-z0-9-]+\/signatures$/.test(path)) {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        received.push({ path, key: req.headers['idempotency-key'], body: JSON.parse(body) });
        res.writeHead(201, { ...cors, 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 'signed', count: received.length }));
      });
      return;
    }
    res.writeHead(404, { ...cors, 'content-type': 'text/plain' }).end('Not Found');
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}/api`,
    received,
    stop: () => new Promise((ok) => { server.close(ok); server.closeAllConnections?.(); }),
  };
}
