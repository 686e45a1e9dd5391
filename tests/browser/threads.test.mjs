// The engine's threads in the page (engine_mt.js, Emscripten pthreads): a cross-origin
// isolated page runs the engine on every core (up to 8) and masters exactly as the
// single-threaded build does; a static host that sends no isolation headers gets them from
// the service worker once it controls the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchChromium } from './chromium.mjs';
import { startServer } from '../../web/serve.mjs';

const SITE = join(process.cwd(), 'build-web/site');
let browser;

before(async () => { browser = await launchChromium(['--disable-gpu']); });
after(async () => { if (browser) await browser.close(); });

async function open(url, serviceWorkers = 'block') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.evaluate(() => window.studio.ready);
  return { page, context, errors };
}

// The demo pair, mastered with the page's default method (a short budget) -> its settings and
// the exported WAV's bytes.
async function masterDemo(page) {
  return page.evaluate(async () => {
    await window.studio.loadDemo();
    await window.studio.master({ itoSteps: 2, thetaSteps: 3 });
    const wav = await window.studio.exportWav();
    const s = window.studio.state();
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', wav));
    return { params: s.params, mode: s.mode, threads: s.threads, bytes: wav.length,
      sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
  });
}

test('an isolated page masters on threads exactly as the single-threaded build', { timeout: 300000 }, async () => {
  const server = await startServer(SITE, 0, '127.0.0.1');
  const origin = `http://127.0.0.1:${server.address().port}/`;
  try {
    const mt = await open(origin);
    const cores = await mt.page.evaluate(() => navigator.hardwareConcurrency);
    assert.equal(await mt.page.evaluate(() => self.crossOriginIsolated), true);
    const a = await masterDemo(mt.page);
    assert.equal(a.threads, Math.min(Math.max(cores, 1), 8), `${cores} cores`);
    assert.match(await mt.page.evaluate(() => window.studio.state().backend), cores > 1 ? /\d threads/ : /one thread/);
    const st = await open(origin + '?threads=1');
    const b = await masterDemo(st.page);
    assert.equal(b.threads, 1);
    assert.equal(a.mode, 'white-box');
    assert.equal(b.mode, 'white-box');
    for (let i = 0; i < 46; ++i) assert.ok(Math.abs(a.params[i] - b.params[i]) <= 1e-6, `parameter ${i}: ${a.params[i]} vs ${b.params[i]}`);
    assert.equal(a.bytes, b.bytes);
    assert.equal(a.sha256, b.sha256, 'the exported masters differ');
    console.log(`# ${a.threads} threads and one thread: the same settings and the same ${a.bytes} WAV bytes`);
    assert.deepEqual([...mt.errors, ...st.errors], []);
    await mt.context.close();
    await st.context.close();
  } finally {
    server.close();
  }
});

test('a host without isolation headers: the service worker adds them and the engine gets threads', { timeout: 120000 }, async () => {
  const server = await startServer(SITE, 0, '127.0.0.1', { isolate: false });
  const origin = `http://127.0.0.1:${server.address().port}/`;
  try {
    const first = await open(origin, 'allow');
    assert.equal(await first.page.evaluate(() => self.crossOriginIsolated), false);
    assert.equal(await first.page.evaluate(() => window.studio.state().threads), 1);
    await first.page.evaluate(() => window.studio.offlineReady());
    await first.page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await first.page.reload();
    await first.page.evaluate(() => window.studio.ready);
    assert.equal(await first.page.evaluate(() => self.crossOriginIsolated), true);
    const cores = await first.page.evaluate(() => navigator.hardwareConcurrency);
    assert.equal(await first.page.evaluate(() => window.studio.state().threads), Math.min(Math.max(cores, 1), 8));
    assert.deepEqual(first.errors, []);
    await first.context.close();
  } finally {
    server.close();
  }
});
