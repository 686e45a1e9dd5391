// Times mastering a full-length pair end to end in headless Chromium (build-web/site):
// load + decode + resample, ITO (default budget), render, WAV export; and the peak
// resident memory of all Chromium processes. A measurement, not a test:
//   node scripts/bench_browser.mjs INPUT REFERENCE [steps]
// MASTER_OPTIONS='{"itoSteps":30,"thetaSteps":0}' overrides the page's other master options.
// Also reports the first visit's download (the files fetched and precached, gzip-compressed)
// and what the service worker caches afterwards in the background.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { execSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { startServer } from '../web/serve.mjs';

const [input, reference, steps = '100'] = process.argv.slice(2);
const server = await startServer(process.cwd() + '/build-web/site', 0, '127.0.0.1');
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--use-angle=swiftshader'],
});
let peakKb = 0;
const rss = () => {
  try {
    const kb = execSync("ps -C chromium -o rss= | awk '{s+=$1} END {print s+0}'").toString();
    peakKb = Math.max(peakKb, Number(kb));
  } catch { /* no process yet */ }
};
const timer = setInterval(rss, 250);
// The service worker is blocked so that page.route can hand the page the audio files (a
// bench of mastering, not of caching; the first visit's download is counted below anyway).
const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
const benchFiles = { input, reference };
await context.route('**/__bench/*', (route) => route.fulfill({
  body: readFileSync(benchFiles[new URL(route.request().url()).pathname.split('/').pop()]),
  contentType: 'application/octet-stream',
}));
// What the first visit transfers: every file the page fetched until the master was exported,
// plus what the service worker caches at install (precache-manifest.js), as gzip would send it.
const site = process.cwd() + '/build-web/site';
const fetched = new Set();
context.on('request', (req) => {
  const u = new URL(req.url());
  if (u.origin === origin && !u.pathname.startsWith('/__bench/')) fetched.add(u.pathname === '/' ? 'index.html' : decodeURIComponent(u.pathname.slice(1)));
});
const manifest = readFileSync(site + '/precache-manifest.js', 'utf8');
const list = (name) => JSON.parse((manifest.match(new RegExp(`${name} = (\\[[^\\]]*\\])`)) || [null, '[]'])[1]);
const sizes = (files) => {
  let raw = 0, gz = 0;
  for (const f of new Set(files.map((x) => (x === './' ? 'index.html' : x)))) {
    const p = `${site}/${f}`;
    if (!existsSync(p) || !statSync(p).isFile()) continue;
    const data = readFileSync(p);
    raw += data.length;
    gz += gzipSync(data, { level: 6 }).length;
  }
  return { raw_mb: +(raw / 1e6).toFixed(2), gzip_mb: +(gz / 1e6).toFixed(2) };
};
const page = await context.newPage();
const t0 = Date.now();
await page.goto(origin + '/');
await page.evaluate(() => window.studio.ready);
const tReady = Date.now();
await page.evaluate(async () => {  // fetched from page.route above, as a dropped file would be read
  for (const kind of ['input', 'reference'])
    await window.studio.load(kind, await (await fetch(`__bench/${kind}`)).arrayBuffer());
});
const tLoaded = Date.now();
const extra = JSON.parse(process.env.MASTER_OPTIONS || '{}');
const summary = await page.evaluate(([n, o]) => window.studio.master({ steps: n, ...o }), [Number(steps), extra]);
const tMastered = Date.now();
const wav = await page.evaluate(async () => (await window.studio.exportWav()).length);
const tDone = Date.now();
clearInterval(timer);
rss();
const state = await page.evaluate(() => window.studio.state());
console.log(JSON.stringify({
  page_to_interactive_s: (tReady - t0) / 1000,
  load_decode_s: (tLoaded - tReady) / 1000,
  master_s: (tMastered - tLoaded) / 1000,
  export_s: (tDone - tMastered) / 1000,
  total_s: (tDone - tReady) / 1000,
  mode: summary.mode, steps: summary.steps, ito_phases_ms: summary.ito && {
    prepare: Math.round(summary.ito.prepareMs), start: Math.round(summary.ito.startMs),
    steps: Math.round(summary.ito.forwardMs + summary.ito.backwardMs), finish: Math.round(summary.ito.finishMs) }, best_loss: summary.bestLoss, input_seconds: state.input && state.input.seconds,
  output_lufs: state.output && state.output.metrics && state.output.metrics.lufs,
  reference_lufs: state.reference && state.reference.metrics && state.reference.metrics.lufs,
  wav_bytes: wav, peak_chromium_rss_mb: Math.round(peakKb / 1024),
  // The input and reference are handed to the page directly, not fetched.
  first_visit: sizes([...fetched, ...list('PRECACHE_FILES')]),
  background_cache: sizes(list('BACKGROUND_FILES')),
  fetched_files: [...fetched].sort(),
}, null, 1));
await browser.close();
server.close();
