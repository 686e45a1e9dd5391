// The deployable site (scripts/package_site.sh -> dist/site.zip), unzipped and served by a
// plain static server (Python's http.server: no COOP/COEP, no CSP, stock MIME types), as a
// static host would: the page starts, masters the demo pair, and once its service worker
// controls it, runs cross-origin isolated with the engine on threads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { launchChromium } from './chromium.mjs';

const DIR = resolve('out/package-test');
let browser, server, origin;

const freePort = () => new Promise((ok) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
});

before(async () => {
  execFileSync('bash', ['scripts/package_site.sh'], { env: { ...process.env, SKIP_BUILD: '1' }, stdio: 'inherit' });
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  execFileSync('/usr/bin/python3', ['-m', 'zipfile', '-e', 'dist/site.zip', join(DIR, 'site')]);
  const port = await freePort();
  server = spawn('/usr/bin/python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', join(DIR, 'site')],
    { stdio: 'ignore' });
  origin = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; ++i) {  // until it listens
    try { await fetch(origin); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  browser = await launchChromium(['--disable-gpu']);
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill();
});

test('the packaged site runs from a plain static server, and gets threads from its service worker', { timeout: 180000 }, async () => {
  const site = join(DIR, 'site');
  for (const f of ['index.html', 'studio.wasm', 'engine_mt.wasm', 'engine_mt.worker.js', 'sw.js', 'models/whitebox.itom', 'demo/input.ogg'])
    assert.ok(existsSync(join(site, f)), f);
  const space = readFileSync(join(site, 'README.md'), 'utf8');
  assert.match(space, /^---\n[\s\S]*sdk: static[\s\S]*cross-origin-embedder-policy: require-corp[\s\S]*\n---\n/);
  assert.match(readFileSync(join(site, 'ATTRIBUTION'), 'utf8'), /Dear ImGui[\s\S]*KissFFT[\s\S]*ONNX Runtime Web[\s\S]*enigma-data/);
  const context = await browser.newContext({ serviceWorkers: 'allow' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(origin);
  await page.evaluate(() => window.studio.ready);
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
  const m = await page.evaluate(async () => {
    await window.studio.loadDemo();
    return window.studio.master({ mode: 'theta', steps: 2 });
  });
  assert.ok(m.metrics.truePeakDbtp <= -0.9, `true peak ${m.metrics.truePeakDbtp}`);
  await page.evaluate(() => window.studio.offlineReady());
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await page.reload();
  await page.evaluate(() => window.studio.ready);
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
  const threads = await page.evaluate(() => window.studio.state().threads);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  assert.equal(threads, Math.min(Math.max(cores, 1), 8));
  console.log(`# dist/site.zip from python3 -m http.server: mastered the demo; isolated after the service worker, ${threads} threads`);
  assert.deepEqual(errors, []);
  await context.close();
});
