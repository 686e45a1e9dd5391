// The page under real use (issue 17): hostile settings files, a damaged model, odd audio
// files, a track too long to hold, impatient clicks, and an update of the installed app.
// Each case must end with a clear message in the status line and a page that still works
// (a following load or master succeeds), with no uncaught exception or console error.
// Runs the built site (build-web/site) in headless Debian Chromium via playwright-core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { launchChromium } from './chromium.mjs';
import { startServer } from '../../web/serve.mjs';

const SITE = 'build-web/site';
const TMP = 'out/browser-test/hostile';
let server, origin, browser, page;
const errors = [];  // console errors and uncaught exceptions, of every page

// ------------------------------------------------------------------------------ audio
// A PCM WAV: channels (Float32Arrays, or a count and a generator), 16-bit (or 8-bit unsigned).
function wav(chans, sampleRate, { bits = 16, declaredFrames } = {}) {
  const c = chans.length, n = chans[0].length, bps = bits / 8, block = c * bps;
  const frames = declaredFrames ?? n;
  const b = Buffer.alloc(44 + n * block);
  b.write('RIFF', 0); b.writeUInt32LE(Math.min(0xFFFFFFFF, 36 + frames * block), 4); b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(c, 22); b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * block, 28); b.writeUInt16LE(block, 32); b.writeUInt16LE(bits, 34);
  b.write('data', 36); b.writeUInt32LE(Math.min(0xFFFFFFFF, frames * block), 40);
  for (let i = 0; i < n; ++i) {
    for (let k = 0; k < c; ++k) {
      const v = Math.max(-1, Math.min(1, chans[k][i]));
      if (bits === 16) b.writeInt16LE(Math.round(v * 32767), 44 + i * block + k * 2);
      else b.writeUInt8(Math.round(v * 127 + 128), 44 + i * block + k);
    }
  }
  return b;
}
// Chords with a beat, deterministic: a mix-like signal on `count` channels.
function music(seconds, sampleRate, level, seed, count = 2) {
  const n = Math.round(seconds * sampleRate);
  const out = Array.from({ length: count }, () => new Float32Array(n));
  let s = seed;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  for (let i = 0; i < n; ++i) {
    const t = i / sampleRate, beat = t % 0.5;
    const chord = [110, 138.6, 164.8, 220].reduce((a, f) => a + Math.sin(2 * Math.PI * f * t), 0) / 4;
    const kick = Math.sin(2 * Math.PI * 55 * beat) * Math.exp(-beat * 8);
    const hat = rnd() * Math.exp(-((t + 0.25) % 0.5) * 40);
    for (let k = 0; k < count; ++k) out[k][i] = level * (0.5 * chord * (1 - 0.05 * k) + 0.4 * kick + 0.2 * hat);
  }
  return out;
}
const file = (name, bytes) => { const p = join(TMP, name); writeFileSync(p, bytes); return p; };

// ------------------------------------------------------------------------------ pages
async function openPage({ serviceWorkers = 'block', route, url = origin } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers });
  if (route) await route(context);
  const p = await context.newPage();
  p.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  p.on('pageerror', (err) => errors.push(String(err)));
  await p.goto(url + '/');
  await p.evaluate(() => window.studio.ready);
  await watchStatus(p);
  return p;
}
async function watchStatus(p) {
  // Every text the status line shows, in order (transient ones included).
  await p.evaluate(() => {
    window.statusLog = [];
    new MutationObserver(() => window.statusLog.push(document.querySelector('#status').textContent))
      .observe(document.querySelector('#status'), { childList: true, characterData: true, subtree: true });
  });
}
const state = (p = page) => p.evaluate(() => window.studio.state());
// Runs an action that the page answers asynchronously (a file chosen, a click) and waits for
// it to settle: the status line changed and nothing is busy. Returns the final state and log.
async function act(fn, p = page) {
  await p.evaluate(() => { window.statusLog = []; });
  await fn();
  await p.waitForFunction(() => window.statusLog.length > 0 && !window.studio.state().busy, null, { timeout: 60000, polling: 50 });
  return { ...(await state(p)), log: await p.evaluate(() => window.statusLog) };
}
const choose = (selector, path, p = page) => act(() => p.setInputFiles(selector, path), p);
// A promise's rejection message (or null when it resolved).
const rejection = (p, fn, arg) => p.evaluate(fn, arg)
  .then(() => null, (e) => e.message.replace(/^page\.evaluate: Error: /, '').split('\n')[0]);

before(async () => {
  mkdirSync(TMP, { recursive: true });
  server = await startServer(join(process.cwd(), SITE), 0, '127.0.0.1');
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium(['--disable-gpu']);
  page = await openPage();
  // A short pair: 3 s each at 48 kHz.
  await choose('#file-input', file('mix.wav', wav(music(3, 48000, 0.1, 1), 48000)));
  await choose('#file-reference', file('reference.wav', wav(music(3, 48000, 0.6, 2), 48000)));
  const s = await state();
  assert.equal(s.error, null);
  assert.ok(s.input && s.reference);
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.close();
});

test('hostile settings files are refused with what is wrong; the page keeps its settings', { timeout: 120000 }, async () => {
  await page.evaluate(() => window.studio.master({ mode: 'theta', steps: 2 }));
  const good = JSON.parse(await page.evaluate(() => window.studio.exportParams()));
  const before = (await state()).params;
  const variant = (edit) => { const j = structuredClone(good); edit(j); return JSON.stringify(j); };
  const cases = [
    ['wrong-type.json', variant((j) => { j.params[3].normalized = '0.5'; }), /parameter 4 \(.+\): normalized is "0\.5", not a number/],
    ['nan.json', variant((j) => { j.params[5].normalized = 'NaN'; }), /parameter 6 .*"NaN", not a number/],
    ['huge.json', variant((j) => { j.params[7].normalized = 12345; }).replace('12345', '1e999'), /parameter 8 .*not a finite number/],
    ['range.json', variant((j) => { j.params[0].normalized = 1.7; }), /parameter 1 .*normalized 1\.7 is outside 0\.\.1/],
    ['value-range.json', variant((j) => { delete j.params[2].normalized; j.params[2].value = 1e6; }), /parameter 3 .*: 1000000 is outside 0\.1\.\.5$/],
    ['count.json', variant((j) => { j.params.pop(); }), /46 parameters expected, the file has 45/],
    ['order.json', variant((j) => { [j.params[0], j.params[1]] = [j.params[1], j.params[0]]; }), /parameter 1 .*in its place/],
    ['null-param.json', variant((j) => { j.params[9] = null; }), /parameter 10 .*is null, not a number/],
    ['gain.json', variant((j) => { j.inputGainDb = 'loud'; }), /inputGainDb is "loud", not a finite number/],
    ['format.json', variant((j) => { j.format = 'something-else'; }), /format "something-else" is not "itomaster-params"/],
    ['not-json.json', '{"params": [0.5, 0.5,', /not valid JSON/],
    ['deep.json', '['.repeat(500000), /not valid JSON|"params"/],
    ['number.json', '42', /no "params" list/],
    ['junk.json', Buffer.alloc(10 * 1024 * 1024, 'x'), /"junk\.json" is 10\.0 MB, not a settings file .*at most 1 MB/],
  ];
  for (const [name, content, expected] of cases) {
    const t0 = Date.now();
    const s = await choose('#file-params', file(name, content));
    console.log(`# ${name}: ${s.status} (${Date.now() - t0} ms)`);
    assert.match(s.status, expected, name);
    assert.match(s.status, /^Settings not imported: /);
    assert.equal(s.error, s.status, `${name}: shown as an error`);
    assert.deepEqual(s.params, before, `${name}: the settings are unchanged`);
  }
  // The API refuses the same way, without a file (and 10 MB of text is not parsed).
  assert.match(await rejection(page, (j) => window.studio.importParams(j), 'x'.repeat(10 * 1024 * 1024)), /10\.0 MB is not a settings file/);
  // Out-of-range levels are clamped, and the status says so.
  let s = await choose('#file-params', file('loud.json', variant((j) => { j.targetLufs = 3; })));
  assert.equal(s.error, null);
  assert.match(s.status, /^Settings imported; targetLufs 3 LUFS was clamped to -5 LUFS/);
  // A good file still imports, and a master follows.
  s = await choose('#file-params', file('good.json', JSON.stringify(good)));
  assert.equal(s.status, 'Settings imported.');
  assert.equal(s.error, null);
  assert.deepEqual(s.params, good.params.map((p) => p.normalized));
  const m = await page.evaluate(() => window.studio.master({ mode: 'theta', steps: 1 }));
  assert.ok(m.metrics.lufs > -30);
  assert.deepEqual(errors, []);
});

test('a damaged model: the page says so and masters with ITO on the settings', { timeout: 120000 }, async () => {
  const full = readFileSync(join(SITE, 'models/whitebox.itom'));
  const bb = readFileSync(join(SITE, 'models/blackbox.itom'));
  const p = await openPage({ route: async (context) => {
    // Cut short (an interrupted download): the worker fetches these through the context.
    await context.route('**/models/whitebox.itom', (r) => r.fulfill({ body: full.subarray(0, 100000), contentType: 'application/octet-stream' }));
    await context.route('**/models/blackbox.itom', (r) => r.fulfill({ body: bb.subarray(0, 20), contentType: 'application/octet-stream' }));
  } });
  let s = await state(p);
  console.log(`# startup: ${s.status}`);
  assert.equal(s.model, null);
  assert.match(s.modelError, /white-box model could not be loaded \(model file: truncated[:)]/);
  assert.match(s.status, /^Ready, without the learned model: the white-box model could not be loaded .*ITO on the settings/);
  // Exporting before any master.
  assert.match(await rejection(p, () => window.studio.exportWav()), /Nothing to export yet: master first/);
  assert.match((await state(p)).status, /Nothing to export yet/);
  await choose('#file-input', join(TMP, 'mix.wav'), p);
  await choose('#file-reference', join(TMP, 'reference.wav'), p);
  // The default method (the white-box model) falls back to ITO on Θ.
  const m = await p.evaluate(() => window.studio.master({ mode: 'white-box', itoSteps: 1, thetaSteps: 1, steps: 2 }));
  s = await state(p);
  console.log(`# white-box master: ${s.status}`);
  assert.equal(m.mode, 'theta');
  assert.match(m.fallback, /white-box model could not be loaded/);
  assert.match(s.status, /^Mastered with ITO on the settings \(Θ\): the white-box model could not be loaded \(model file: truncated[^)]*\)\.$/);
  assert.equal(s.params.length, 46);
  // The black-box model (fetched on first use) is damaged too.
  const b = await p.evaluate(() => window.studio.master({ mode: 'black-box', itoSteps: 1, steps: 2 }));
  s = await state(p);
  console.log(`# black-box master: ${s.status}`);
  assert.equal(b.mode, 'theta');
  assert.match(s.status, /^Mastered with ITO on the settings \(Θ\): the black-box model could not be loaded \(.+\)\.$/);
  assert.ok((await p.evaluate(async () => (await window.studio.exportWav()).length)) > 44);
  assert.deepEqual(errors, []);
  await p.context().close();
});

test('odd audio files: too short, 6 and 8 channels, 192 and 22.05 kHz, undecodable, empty', { timeout: 120000 }, async () => {
  const before = (await state()).input;
  const refused = async (name, bytes, expected) => {
    const s = await choose('#file-input', file(name, bytes));
    console.log(`# ${name}: ${s.status}`);
    assert.match(s.status, expected, name);
    assert.equal(s.error, s.status);
    assert.deepEqual(s.input, before, `${name}: the loaded mix stays`);
  };
  await refused('short.wav', wav(music(0.3, 44100, 0.3, 3), 44100), /"short\.wav" is 0\.30 s long: the studio needs at least 0\.5 s/);
  await refused('eight.wav', wav(music(1, 44100, 0.3, 4, 8), 44100), /"eight\.wav" has 8 channels: the studio takes mono and stereo, and down-mixes quad and 5\.1/);
  await refused('noise.mp3', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff)), /Could not decode "noise\.mp3": not a readable audio file/);
  await refused('empty.wav', Buffer.alloc(0), /"empty\.wav" is empty \(0 bytes\)/);
  // 5.1: down-mixed to stereo, and said so.
  const [l, r, c, lfe, ls, rs] = music(2, 44100, 0.2, 5, 6);
  let s = await choose('#file-input', file('surround.wav', wav([l, r, c, lfe, ls, rs], 44100)));
  console.log(`# surround.wav: ${s.status}`);
  assert.equal(s.error, null);
  assert.match(s.status, /^Down-mixed "surround\.wav" from 5\.1 \(6 channels\) to stereo\.$/);
  assert.ok(Math.abs(s.input.seconds - 2) < 0.01);
  // 192 kHz: kept (a master keeps its mix's rate from 44.1 to 192 kHz), mastered there.
  s = await choose('#file-input', file('hires.wav', wav(music(2, 192000, 0.1, 6), 192000)));
  console.log(`# hires.wav: ${s.status}, ${s.input.sampleRate} Hz`);
  assert.equal(s.error, null);
  assert.equal(s.input.sampleRate, 192000);
  assert.ok(Math.abs(s.input.seconds - 2) < 0.01, `${s.input.seconds} s`);
  await page.evaluate(() => window.studio.master({ mode: 'theta', steps: 1 }));
  const out = (await state()).output;
  assert.ok(Math.abs(out.seconds - 2) < 0.01);
  assert.equal(out.sampleRate, 192000);
  // 22.05 kHz: below the range, resampled to 44.1 kHz, and said so.
  s = await choose('#file-input', file('lowres.wav', wav(music(2, 22050, 0.1, 6), 22050)));
  console.log(`# lowres.wav: ${s.status}`);
  assert.equal(s.error, null);
  assert.match(s.status, /^Resampled "lowres\.wav" from 22\.05 kHz to 44\.1 kHz\.$/);
  assert.equal(s.input.sampleRate, 44100);
  assert.deepEqual(errors, []);
});

test('a track longer than the page holds is refused from its header, naming the limit', { timeout: 120000 }, async () => {
  // 31 minutes of 8 kHz mono: the header, then zeros (a sparse file: nothing is written).
  const frames = 31 * 60 * 8000;
  const path = file('long.wav', wav([new Float32Array(0)], 8000, { declaredFrames: frames }));
  truncateSync(path, 44 + frames * 2);
  const t0 = Date.now();
  let s = await choose('#file-input', path);
  const ms = Date.now() - t0;
  console.log(`# long.wav (31 min): ${s.status} (${ms} ms)`);
  assert.match(s.status, /^"long\.wav" is 31 min 0 s long: the studio holds tracks of up to 30 minutes/);
  assert.equal(s.error, s.status);
  assert.ok(ms < 10000, 'refused before decoding');
  // A header that declares far more than the file holds (a streamed WAV): what is there loads.
  s = await choose('#file-input', file('streamed.wav', wav(music(2, 44100, 0.1, 7), 44100, { declaredFrames: 2 ** 29 })));
  console.log(`# streamed.wav: ${s.status}, ${s.input.seconds} s`);
  assert.equal(s.error, null);
  assert.ok(Math.abs(s.input.seconds - 2) < 0.01);
  assert.deepEqual(errors, []);
});

test('impatient clicks: Master twice, Stop then Master, a new mix mid-master, export before a master', { timeout: 180000 }, async () => {
  await choose('#file-input', join(TMP, 'mix.wav'));
  // Two clicks on Master: the second is ignored with a notice.
  const first = await page.evaluate(() => {
    window.firstMaster = window.studio.master({ mode: 'theta', steps: 400 }).then((r) => r, (e) => ({ error: e.message }));
    window.studio.uiAction('master', { options: { mode: 'theta', steps: 400 } });
    return window.studio.state().status;
  });
  console.log(`# second Master: ${first}`);
  assert.match(first, /^Already mastering: this Master was ignored/);
  await page.waitForFunction(() => window.studio.state().busy);
  // An edit or an export during a master is refused too (the UI disables them).
  assert.match(await rejection(page, () => window.studio.exportWav()), /^Mastering: export when it is done/);
  assert.match(await rejection(page, () => window.studio.setParam(3, 0.5)), /^Mastering: edit a setting when it is done/);
  await page.waitForTimeout(800);
  // Stop, then Master at once: the second waits for the stopped one, then runs.
  await page.evaluate(() => { window.statusLog = []; });
  const again = await page.evaluate(() => { window.studio.stop(); return window.studio.master({ mode: 'theta', steps: 2 }); });
  const stopped = await page.evaluate(() => window.firstMaster);
  let s = await state();
  const log = await page.evaluate(() => window.statusLog);
  console.log(`# Stop, then Master: ${log.filter((t) => /Stop|Wait/.test(t)).join(' | ')}`);
  assert.equal(stopped.stop, 'stopped');
  assert.ok(stopped.steps < 400);
  assert.ok(log.some((t) => /^Stopped after \d+ of 400 steps: the best settings so far are applied\.$/.test(t)));
  assert.ok(again.steps <= 2);
  assert.equal(s.status, 'Ready');
  assert.equal(s.error, null);
  assert.equal(s.busy, false);
  assert.equal(s.params.length, 46);
  // A new mix during a master: the master stops, the new mix loads, the old master is gone.
  const running = page.evaluate(() => window.studio.master({ mode: 'theta', steps: 400 }));
  await page.waitForFunction(() => window.studio.state().busy);
  await page.waitForTimeout(500);
  s = await choose('#file-input', file('mix2.wav', wav(music(4, 44100, 0.15, 8), 44100)));
  console.log(`# new mix mid-master: ${s.status}`);
  assert.equal((await running).stop, 'stopped');
  assert.match(s.status, /^The running master was stopped to load "mix2\.wav"\.$/);
  assert.equal(s.error, null);
  assert.ok(Math.abs(s.input.seconds - 4) < 0.01);
  assert.equal(s.output, null, 'no master of the old mix next to the new one');
  assert.equal(s.params, null);
  // Export before any master (of this mix).
  assert.match(await rejection(page, () => window.studio.exportWav()), /^Nothing to export yet: master first$/);
  s = await act(() => page.evaluate(() => window.studio.uiAction('export_params')));
  assert.match(s.status, /^No settings to export yet: master first$/);
  // And the page still masters.
  await page.evaluate(() => window.studio.master({ mode: 'theta', steps: 1 }));
  assert.ok(Math.abs((await state()).output.seconds - 4) < 0.01);
  assert.deepEqual(errors, []);
});

test('an installed app updates to a new deployment without mixing versions, and says so', { timeout: 240000 }, async () => {
  // A copy of the site to deploy over (the large folders linked, not copied).
  const dir = resolve(TMP, 'site');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(SITE)) {
    if (['ort', 'models', 'demo', 'shaders'].includes(entry)) symlinkSync(resolve(SITE, entry), join(dir, entry));
    else cpSync(join(SITE, entry), join(dir, entry), { recursive: true });
  }
  const site = await startServer(dir, 0, '127.0.0.1');
  const siteOrigin = `http://127.0.0.1:${site.address().port}`;
  let p = await openPage({ serviceWorkers: 'allow', url: siteOrigin });
  const context = p.context();
  try {
    assert.equal(await p.evaluate(() => window.studio.offlineReady()), true);
    await p.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const [v1] = await p.evaluate(() => caches.keys());
    // Deploy a new version: the page and the worker change, and so the precache list's version.
    appendFileSync(join(dir, 'main.js'), '\nwindow.deployedVersion = 2;\n');
    appendFileSync(join(dir, 'worker.js'), '\n// version 2\n');
    execFileSync(process.execPath, ['web/tools/precache_list.mjs', dir]);
    // The open page finds it (the browser also checks on each visit, the page every hour; in
    // headless Chromium the first check after the install waits about a minute).
    await p.evaluate(async () => { await (await navigator.serviceWorker.getRegistration()).update(); });
    await p.waitForFunction(() => window.studio.state().updateReady, null, { timeout: 120000, polling: 200 });
    let s = await state(p);
    console.log(`# update found: ${s.status}`);
    assert.equal(s.status, 'A new version of the studio is ready: close this tab (and any other of the studio) and open it again to use it');
    // Until then the open page keeps its own version: its files still come from its cache.
    assert.equal(await p.evaluate(() => window.deployedVersion), undefined);
    assert.ok(!(await p.evaluate(() => fetch('worker.js').then((r) => r.text()))).includes('version 2'));
    const keys = await p.evaluate(() => caches.keys());
    assert.equal(keys.length, 2, `both versions are cached: ${keys}`);
    assert.ok(keys.includes(v1));
    // It still works (a load, a master), and says the update is waiting.
    s = await choose('#file-input', join(TMP, 'mix.wav'), p);
    await choose('#file-reference', join(TMP, 'reference.wav'), p);
    await p.evaluate(() => window.studio.master({ mode: 'theta', steps: 1 }));
    s = await state(p);
    assert.match(s.status, /^Ready\. A new version of the studio is ready: close this tab/);
    // A reload keeps the old version (the browser switches when no tab runs it), whole.
    const version = async (q) => {
      for (const t0 = Date.now(); Date.now() - t0 < 30000; await new Promise((r) => setTimeout(r, 200))) {
        try {
          const v = await Promise.race([new Promise((r) => setTimeout(r, 10000)),
            q.evaluate(async () => { await window.studio.ready; return window.deployedVersion ?? 1; })]);
          if (v) return v;
        } catch (e) { /* the page is loading (again) */ }
      }
      return null;
    };
    await p.reload();
    assert.equal(await version(p), 1);
    await p.waitForFunction(() => window.studio.state().updateReady);
    assert.ok(!(await p.evaluate(() => fetch('worker.js').then((r) => r.text()))).includes('version 2'));
    // Closing the tab and opening the studio again: the new version, whole.
    await p.close();
    // (Opened at once, it may still come from the old version, whole, as the switch takes the
    // browser a moment: the test waits for the old cache to go, which the switch does.)
    for (const t0 = Date.now(); Date.now() - t0 < 30000; await new Promise((r) => setTimeout(r, 200))) {
      const sw = context.serviceWorkers().at(-1);
      const left = sw ? await sw.evaluate(() => caches.keys()).catch(() => null) : null;
      if (left && !left.includes(v1)) break;
    }
    p = await context.newPage();
    p.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
    p.on('pageerror', (err) => errors.push(String(err)));
    await p.goto(siteOrigin + '/');
    assert.equal(await version(p), 2, 'the page runs the new version');
    assert.ok((await p.evaluate(() => fetch('worker.js').then((r) => r.text()))).includes('version 2'));
    assert.deepEqual((await p.evaluate(() => caches.keys())).filter((k) => k === v1), [], 'the old version is gone');
    s = await state(p);
    console.log(`# a new tab: ${s.status}`);
    assert.equal(s.updateReady, false);
    assert.equal(s.error, null);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    site.close();
  }
});
