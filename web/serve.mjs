// A tiny static server for the built site (no dependencies): the right MIME types, the
// Content-Security-Policy, and cross-origin isolation (COOP/COEP) so the engine runs on
// threads (engine_mt.js) and its worker can be stopped through shared memory. Only serves
// files under the site folder.
//   node web/serve.mjs [SITE_DIR] [PORT] [HOST]      defaults: build-web/site 8080 127.0.0.1
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';

const root = resolve(process.argv[2] || 'build-web/site');
const port = Number(process.argv[3] || process.env.PORT || 8080);
const host = process.argv[4] || '127.0.0.1';
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json',
  '.webmanifest': 'application/manifest+json', '.png': 'image/png', '.svg': 'image/svg+xml',
  '.ogg': 'audio/ogg', '.flac': 'audio/flac', '.wav': 'audio/wav', '.txt': 'text/plain; charset=utf-8',
  '': 'text/plain; charset=utf-8',
};
const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; style-src 'self'; " +
  "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'";

// isolate: false leaves out COOP/COEP/CORP, as a plain static host would (the service worker
// then adds them: tests/browser/threads.test.mjs).
export function startServer(dir = root, listenPort = port, listenHost = host, { isolate = true } = {}) {
  const server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(dir, path));
    if (file !== dir && !file.startsWith(dir + sep)) { res.writeHead(403).end(); return; }
    let st;
    try { st = statSync(file); } catch { res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found'); return; }
    if (!st.isFile()) { res.writeHead(404).end(); return; }
    res.writeHead(200, {
      'Content-Type': types[extname(file)] || 'application/octet-stream',
      'Content-Length': st.size,
      'Content-Security-Policy': csp,
      ...(isolate ? {
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
        'Cross-Origin-Resource-Policy': 'same-origin',
      } : {}),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') { res.end(); return; }
    createReadStream(file).pipe(res);
  });
  return new Promise((ok) => server.listen(listenPort, listenHost, () => ok(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startServer();
  const a = server.address();
  console.log(`ITO-Master Studio: http://${a.address}:${a.port}/  (serving ${root})`);
}
