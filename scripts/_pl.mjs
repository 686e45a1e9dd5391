import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { startServer } from '../web/serve.mjs';
const server = await startServer(process.cwd() + '/build-web/site', 0, '127.0.0.1');
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-angle=swiftshader'] });
const context = await browser.newContext({ serviceWorkers: 'block' });
const files = { input: process.argv[2], reference: process.argv[3] };
await context.route('**/__bench/*', (route) => route.fulfill({ body: readFileSync(files[new URL(route.request().url()).pathname.split('/').pop()]), contentType: 'application/octet-stream' }));
const page = await context.newPage();
page.on('console', (m) => console.log('page:', m.type(), m.text().slice(0, 300)));
page.on('crash', () => console.log('PAGE CRASHED'));
let peak = 0; const timer = setInterval(() => { try { peak = Math.max(peak, Number(execSync("ps -C chromium -o rss= | awk '{s+=$1} END {print s+0}'").toString())); } catch {} }, 250);
await page.goto(origin + '/' + (process.argv[4] || ''));
await page.evaluate(() => window.studio.ready);
if (process.env.FETCH_ONLY) await page.evaluate(() => { window.__fetchOnly = true; });
try {
  const r = await page.evaluate(async () => {
    const out = {};
    for (const kind of ['input', 'reference']) {
      const t = performance.now();
      const b = await (await fetch(`__bench/${kind}`)).arrayBuffer();
      out[kind + '_fetch'] = [performance.now() - t, b.byteLength];
      if (!window.__fetchOnly) await window.studio.load(kind, b);
      out[kind] = performance.now() - t;
    }
    return out;
  });
  console.log(JSON.stringify(r));
} catch (e) { console.log('ERR', e.message.slice(0, 200)); }
clearInterval(timer); console.log('peak MB', Math.round(peak / 1024));
await browser.close(); server.close();
