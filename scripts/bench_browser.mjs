// Times mastering a full-length pair end to end in headless Chromium (build-web/site):
// load + decode + resample, ITO (default budget), render, WAV export; and the peak
// resident memory of all Chromium processes. A measurement, not a test:
//   node scripts/bench_browser.mjs INPUT REFERENCE [steps]
// MASTER_OPTIONS='{"itoSteps":30,"thetaSteps":0}' overrides the page's other master options.
import { readFileSync } from 'node:fs';
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
const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
const t0 = Date.now();
await page.goto(origin + '/');
await page.evaluate(() => window.studio.ready);
const tReady = Date.now();
const bytes = (p) => Array.from(readFileSync(p));
await page.evaluate(async ([a, b]) => {
  await window.studio.load('input', new Uint8Array(a).buffer);
  await window.studio.load('reference', new Uint8Array(b).buffer);
}, [bytes(input), bytes(reference)]);
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
  mode: summary.mode, steps: summary.steps, best_loss: summary.bestLoss, input_seconds: state.input && state.input.seconds,
  output_lufs: state.output && state.output.metrics && state.output.metrics.lufs,
  reference_lufs: state.reference && state.reference.metrics && state.reference.metrics.lufs,
  wav_bytes: wav, peak_chromium_rss_mb: Math.round(peakKb / 1024),
}, null, 1));
await browser.close();
server.close();
