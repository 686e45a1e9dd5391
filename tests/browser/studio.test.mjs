// End-to-end tests of the built studio (build-web/site) in headless Debian Chromium,
// driven by playwright-core: page load, the demo pair, an uploaded pair with WAV export,
// no request beyond the origin, offline reload through the service worker, and a
// corrupt file. Screenshots of the main states go to out/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { launchChromium } from './chromium.mjs';
import { startServer } from '../../web/serve.mjs';

const SITE = 'build-web/site';
const SHOTS = 'out/screenshots';
const TMP = 'out/browser-test';
const NATIVE = process.env.ITOMASTER || 'build/itomaster';  // the native CLI, when built
let server, origin, browser, context, page;
const requests = [], consoleErrors = [];

// A 16-bit stereo WAV (48 kHz, so the page's resampler is exercised).
function wav16(left, right, sampleRate) {
  const n = left.length, b = Buffer.alloc(44 + n * 4);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 4, 4); b.write('WAVEfmt ', 8); b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); b.writeUInt16LE(2, 22); b.writeUInt32LE(sampleRate, 24); b.writeUInt32LE(sampleRate * 4, 28);
  b.writeUInt16LE(4, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(n * 4, 40);
  for (let i = 0; i < n; ++i) {
    b.writeInt16LE(Math.round(Math.max(-1, Math.min(1, left[i])) * 32767), 44 + i * 4);
    b.writeInt16LE(Math.round(Math.max(-1, Math.min(1, right[i])) * 32767), 46 + i * 4);
  }
  return b;
}
// A simple "song": chords with a beat, at a given level and brightness (deterministic).
function song(seconds, sampleRate, level, bright, seed) {
  const n = Math.round(seconds * sampleRate), l = new Float32Array(n), r = new Float32Array(n);
  let s = seed;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  for (let i = 0; i < n; ++i) {
    const t = i / sampleRate, beat = t % 0.5, env = Math.exp(-beat * 8);
    const chord = [110, 138.6, 164.8, 220].reduce((a, f, k) => a + Math.sin(2 * Math.PI * f * t * (1 + k * 0.001)), 0) / 4;
    const hat = rnd() * Math.exp(-((t + 0.25) % 0.5) * 40) * bright;
    const kick = Math.sin(2 * Math.PI * 55 * beat) * env;
    l[i] = level * (0.5 * chord + 0.4 * kick + 0.3 * hat);
    r[i] = level * (0.45 * chord + 0.4 * kick + 0.3 * hat * 0.8 + 0.05 * rnd());
  }
  return [l, r];
}
// 24-bit PCM WAV -> planar float channels.
function parseWav24(bytes, rate = 44100) {
  const b = Buffer.from(bytes);
  assert.equal(b.toString('ascii', 0, 4), 'RIFF');
  assert.equal(b.toString('ascii', 8, 12), 'WAVE');
  assert.equal(b.readUInt16LE(20), 1);
  assert.equal(b.readUInt16LE(22), 2);
  assert.equal(b.readUInt32LE(24), rate);
  assert.equal(b.readUInt16LE(34), 24);
  assert.equal(b.toString('ascii', 36, 40), 'data');
  const frames = b.readUInt32LE(40) / 6;
  const l = new Float32Array(frames), r = new Float32Array(frames);
  for (let i = 0; i < frames; ++i) {
    l[i] = b.readIntLE(44 + i * 6, 3) / 8388608;
    r[i] = b.readIntLE(47 + i * 6, 3) / 8388608;
  }
  return { frames, l, r };
}
async function shot(name) {
  await page.waitForTimeout(300);  // let the UI draw a frame or two
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}
const studio = (fn, arg) => page.evaluate(fn, arg);

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  mkdirSync(TMP, { recursive: true });
  server = await startServer(join(process.cwd(), SITE), 0, '127.0.0.1');
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium(['--disable-gpu', '--autoplay-policy=no-user-gesture-required']);
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.on('request', (req) => requests.push(req.url()));
  page = await context.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.close();
});

test('page loads, UI and worker come up, no console errors', { timeout: 60000 }, async () => {
  const t0 = Date.now();
  await page.goto(origin + '/');
  await Promise.race([studio(() => window.studio.ready),
    new Promise((_, fail) => setTimeout(() => fail(new Error(`not ready: ${consoleErrors.join('; ')}`)), 45000))]);
  const ms = Date.now() - t0;
  console.log(`# page load to interactive: ${ms} ms`);
  const s = await studio(() => window.studio.state());
  assert.equal(s.error, null);
  assert.equal(s.busy, false);
  assert.match(s.backend, /WASM/);
  await shot('01-loaded');
  assert.deepEqual(consoleErrors, []);
});

test('the demo pair masters end to end', { timeout: 240000 }, async () => {
  await studio(() => window.studio.loadDemo());
  let s = await studio(() => window.studio.state());
  assert.ok(s.input.seconds > 20 && s.input.seconds < 31, `input ${s.input.seconds} s`);
  assert.ok(s.reference.metrics.lufs > s.input.metrics.lufs + 3, 'the reference is the louder one');
  await shot('02-demo-loaded');
  const t0 = Date.now();
  const summary = await studio(() => window.studio.master({ mode: 'theta', steps: 4 }));
  console.log(`# demo master (4 ITO steps): ${Date.now() - t0} ms, output ${summary.metrics.lufs.toFixed(2)} LUFS`);
  s = await studio(() => window.studio.state());
  assert.ok(s.output, 'an output exists');
  assert.equal(s.params.length, 46);
  assert.ok(Math.abs(s.output.seconds - s.input.seconds) < 0.01);
  assert.ok(Math.abs(s.output.metrics.lufs - s.reference.metrics.lufs) < 0.5,
    `output ${s.output.metrics.lufs} vs reference ${s.reference.metrics.lufs}`);
  assert.ok(s.output.metrics.truePeakDbtp <= -0.9, `true peak ${s.output.metrics.truePeakDbtp}`);
  await shot('03-demo-mastered');
  // Editing one parameter re-renders; settings round-trip through JSON.
  const json = await studio(() => window.studio.exportParams());
  assert.equal(JSON.parse(json).params.length, 46);
  await studio(() => window.studio.setParam(41, 0.6));
  s = await studio(() => window.studio.state());
  assert.ok(Math.abs(s.params[41] - 0.6) < 1e-9);
  await studio((j) => window.studio.importParams(j), json);
  assert.deepEqual(consoleErrors, []);
});

test('the demo pair masters with the white-box model, ITO on z then on Θ, offline-capable files only', { timeout: 240000 }, async () => {
  const model = await studio(() => window.studio.state().model);
  assert.ok(model && model.kind === 'whitebox', 'the worker loaded models/whitebox.itom');
  await studio(() => window.studio.loadDemo());
  const t0 = Date.now();
  const summary = await studio(() => window.studio.master({ mode: 'white-box', itoSteps: 3, thetaSteps: 3 }));
  console.log(`# demo master (white-box, 3 ITO-on-z steps then 3 on Θ): ${Date.now() - t0} ms, AF loss ` +
              `${summary.initialLoss.toFixed(4)} -> ${summary.zBestLoss.toFixed(4)} (z) -> ${summary.bestLoss.toFixed(4)}`);
  assert.equal(summary.mode, 'white-box');
  assert.ok(summary.zBestLoss <= summary.initialLoss);
  // Clean by default: the saturator is off, a Match EQ curve (31 bands) ran ahead of the chain.
  assert.equal(summary.saturatorOn, false);
  assert.equal(summary.matchEqDb.length, 31);
  assert.equal(summary.matchEqAmount, 1);
  // The step on Θ starts at ITO on z's best and keeps the better of the two.
  assert.ok(summary.thetaPhase, 'the step on Θ ran');
  assert.equal(summary.thetaPhase.initialLoss, summary.zBestLoss);
  assert.equal(summary.bestLoss, Math.min(summary.zBestLoss, summary.thetaPhase.bestLoss));
  assert.ok(summary.thetaPhase.steps >= 1 && summary.thetaPhase.steps <= 3, `${summary.thetaPhase.steps} steps on Θ`);
  assert.equal(summary.steps, summary.zSteps + summary.thetaPhase.steps);
  assert.equal(summary.maxSteps, 6);
  // Without a hardware GPU, Φ and Ψ run in our C++ (faster than ORT's WASM backend on a CPU),
  // and ONNX Runtime Web is never downloaded.
  assert.equal(summary.inference.backend, 'C++ (WASM)');
  assert.deepEqual(requests.filter((u) => u.includes('/ort/') || u.endsWith('.onnx')), []);
  // Asked for, ONNX Runtime Web (WASM here: no GPU in CI) runs Φ and Ψ and agrees with our C++ forward.
  const forced = await studio(() => window.studio.master({ mode: 'white-box', itoSteps: 1, thetaSteps: 0, ort: true }));
  const inf = forced.inference;
  console.log(`# ${inf.backend}: Φ ${inf.phiMs?.toFixed(0)} ms, Ψ ${inf.psiMs?.toFixed(0)} ms on 30 s excerpts, ` +
              `max |ORT - C++| ${inf.parity}`);
  assert.ok(inf.backend.startsWith('ONNX Runtime Web'), `backend ${inf.backend} ${inf.error || ''}`);
  assert.ok(inf.parity < 1e-4, `ORT and C++ parameters differ by ${inf.parity}`);
  const last = await studio(() => window.studio.master({ mode: 'white-box', itoSteps: 3, thetaSteps: 3 }));
  const s = await studio(() => window.studio.state());
  assert.equal(s.params.length, 46);
  assert.ok(Math.abs(s.output.metrics.lufs - s.reference.metrics.lufs) < 0.5,
    `output ${s.output.metrics.lufs} vs reference ${s.reference.metrics.lufs}`);
  assert.ok(s.output.metrics.truePeakDbtp <= -0.9, `true peak ${s.output.metrics.truePeakDbtp}`);
  // ITO ran step by step from the worker; without a GPU here, Ψ's backward ran in C++.
  const ito = summary.ito;
  console.log(`# ITO on z: ${ito.evaluations} evaluations, Ψ backward by ${ito.backward}, ` +
              `${ito.stepMs.toFixed(0)} ms per evaluation`);
  assert.equal(ito.backward, 'C++ (WASM)');
  // Every evaluation is a point of the loss curve (the start and one per update), except the
  // step on Θ's first, which re-evaluates ITO on z's best point.
  assert.equal(ito.evaluations, summary.lossCurve.length + 1);
  assert.equal(summary.lossCurve.length, summary.steps + 1);
  assert.ok(ito.evaluations >= 3 && ito.evaluations <= 3 + 1 + 3 + 1, `${ito.evaluations} evaluations`);
  // Editing a parameter re-renders from the Fx-normalized input the model's chain processed.
  await studio(() => window.studio.setParam(41, 0.55));
  // The Match EQ slider re-renders the current master: at 0 the tonal match is gone.
  const withEq = await studio(() => window.studio.state().output.metrics);
  await studio(() => window.studio.uiAction('match_eq', { amount: 0 }));
  await page.waitForFunction(() => !window.studio.state().busy);
  await shot('03c-white-box-match-eq-off');
  const noEq = (await studio(() => window.studio.state())).output.metrics;
  assert.ok(Math.abs(noEq.lufs - withEq.lufs) < 0.5, 'the final stage keeps the loudness');
  assert.notDeepEqual(noEq, withEq, 'the master was rendered again without the Match EQ');
  await studio(() => window.studio.uiAction('match_eq', { amount: 1 }));
  await page.waitForFunction(() => !window.studio.state().busy);
  // Refine continues from the embedding where the last master ended (its first loss is that
  // master's best on z), and its step on Θ from the better of ITO on z's result and the
  // parameters the user has now.
  const refined = await studio(() => window.studio.master({ mode: 'white-box', itoSteps: 2, thetaSteps: 2, refine: true }));
  assert.equal(refined.initialLoss, last.zBestLoss);
  assert.ok(refined.thetaPhase.initialLoss <= refined.zBestLoss);
  assert.equal(refined.inference, null, 'refine skips Φ');
  assert.deepEqual(consoleErrors, []);
});

test('ITO targets: narrower, and blended with a second reference', { timeout: 240000 }, async () => {
  const plain = await studio(() => window.studio.master({ mode: 'theta', steps: 3 }));
  // Stereo width x0.3 relative to the current master: ITO on Θ narrows the image.
  const narrow = await studio(() => window.studio.master({ mode: 'theta', steps: 15,
    target: { widthScale: 0.3, relativeToMaster: true } }));
  console.log(`# width ${plain.metrics.width.toFixed(3)} -> ${narrow.metrics.width.toFixed(3)} (target x0.3)`);
  assert.ok(narrow.metrics.width < 0.8 * plain.metrics.width, `width ${plain.metrics.width} -> ${narrow.metrics.width}`);
  // Blending fully toward a second reference that is the input itself: the untouched
  // input nearly matches that target, so ITO starts far closer than toward the reference.
  const missing = await page.evaluate(() => window.studio.master({ mode: 'theta', steps: 3, target: { blend: 1 } })
    .then(() => null, (e) => e.message));
  assert.match(missing, /second reference/);
  await studio(async () => window.studio.load('reference2', await (await fetch('demo/input.ogg')).arrayBuffer()));
  const blended = await studio(() => window.studio.master({ mode: 'theta', steps: 3, target: { blend: 1 } }));
  console.log(`# AF loss at the start: ${plain.initialLoss.toFixed(4)} toward the reference, ` +
              `${blended.initialLoss.toFixed(4)} toward the second reference (the input)`);
  // (The Match EQ, which follows the same target, already starts ITO near the reference, so
  // the margin is smaller than it was without it: about half.)
  assert.ok(blended.initialLoss < 0.6 * plain.initialLoss, `${blended.initialLoss} vs ${plain.initialLoss}`);
  // Per-aspect amounts: loudness 0 % keeps the mix's loudness, 50 % lands half way (in LU).
  const s = await studio(() => window.studio.state());
  const [lin, lref] = [s.input.metrics.lufs, s.reference.metrics.lufs];
  for (const [amount, mode] of [[0, 'theta'], [0.5, 'white-box']]) {
    const m = await studio(([a, md]) => window.studio.master({ mode: md, steps: 2, itoSteps: 1, thetaSteps: 1,
      amounts: { loudness: a, tone: 0.5 } }), [amount, mode]);
    const expected = lin + amount * (lref - lin);
    console.log(`# ${mode}, loudness amount ${amount * 100} %: ${m.metrics.lufs.toFixed(2)} LUFS ` +
                `(mix ${lin.toFixed(2)}, reference ${lref.toFixed(2)})`);
    assert.ok(Math.abs(m.metrics.lufs - expected) < 0.2, `${m.metrics.lufs} vs ${expected}`);
  }
  assert.deepEqual(consoleErrors, []);
});

test('the black-box model masters a preview of the loudest 15 s', { timeout: 240000 }, async () => {
  const t0 = Date.now();
  const bb = await studio(() => window.studio.master({ mode: 'black-box', itoSteps: 2 }));
  const s = await studio(() => window.studio.state());
  console.log(`# black-box preview (2 ITO steps): ${Date.now() - t0} ms, ${s.output.seconds.toFixed(2)} s of audio`);
  assert.equal(bb.mode, 'black-box');
  assert.equal(bb.preview, true);
  assert.equal(bb.previewSeconds, 15);
  assert.ok(Math.abs(s.output.seconds - 15) < 1e-3, `preview ${s.output.seconds} s`);
  assert.equal(s.params, null, 'no chain parameters to edit');
  assert.ok(Math.abs(s.output.metrics.lufs - s.reference.metrics.lufs) < 0.5);
  assert.ok(s.output.metrics.truePeakDbtp <= -0.9);
  assert.deepEqual(consoleErrors, []);
});

test('playback: A/B/C switching, matched loudness and loop', { timeout: 60000 }, async () => {
  await studio(() => window.studio.uiAction('select', { which: 'output' }));
  await studio(() => window.studio.uiAction('match_loudness', { on: true }));
  await studio(() => window.studio.uiAction('loop', { start: 2, end: 3 }));
  await studio(() => window.studio.uiAction('play'));
  await page.waitForTimeout(1500);
  let s = await studio(() => window.studio.state());
  assert.equal(s.playback.which, 'output');
  assert.equal(s.playback.playing, true);
  assert.ok(s.playback.position >= 2 && s.playback.position <= 3, `looped position ${s.playback.position}`);
  // All tracks play at the quietest one's loudness: the master is turned down to the input's.
  const expected = Math.pow(10, (s.input.metrics.lufs - s.output.metrics.lufs) / 20);
  assert.ok(Math.abs(s.playback.gain - expected) < 1e-3 * expected, `gain ${s.playback.gain} vs ${expected}`);
  await shot('03b-playing-output');
  await studio(() => window.studio.uiAction('select', { which: 'reference' }));
  s = await studio(() => window.studio.state());
  assert.equal(s.playback.which, 'reference');
  await studio(() => window.studio.uiAction('loop', {}));
  await studio(() => window.studio.uiAction('pause'));
  assert.equal((await studio(() => window.studio.state())).playback.playing, false);
});

test('a file dropped on the page loads as the reference', { timeout: 60000 }, async () => {
  const [l, r] = song(3, 22050, 0.5, 0.6, 3);
  const b64 = wav16(l, r, 22050).toString('base64');
  await studio((data) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'dropped.wav', { type: 'audio/wav' }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, clientX: window.innerWidth - 10, clientY: 100,
      bubbles: true, cancelable: true }));
  }, b64);
  await page.waitForFunction(() => { const s = window.studio.state(); return !s.busy && s.reference && s.reference.seconds < 3.5; });
  const s = await studio(() => window.studio.state());
  assert.equal(s.error, null);
  assert.ok(Math.abs(s.reference.seconds - 3) < 0.01, `resampled from 22.05 kHz: ${s.reference.seconds} s`);
});

test('an uploaded pair masters and the exported WAV matches the reference loudness', { timeout: 180000 }, async () => {
  const fs = 48000;
  const [il, ir] = song(6, fs, 0.08, 0.2, 1);
  const [rl, rr] = song(5, fs, 0.6, 1.0, 2);
  writeFileSync(join(TMP, 'mix.wav'), wav16(il, ir, fs));
  writeFileSync(join(TMP, 'reference.wav'), wav16(rl, rr, fs));
  await page.setInputFiles('#file-input', join(TMP, 'mix.wav'));
  await page.waitForFunction(() => { const s = window.studio.state(); return s.input && !s.busy && s.input.seconds < 7; });
  await page.setInputFiles('#file-reference', join(TMP, 'reference.wav'));
  await page.waitForFunction(() => { const s = window.studio.state(); return s.reference && !s.busy && s.reference.seconds < 5.5; });
  let s = await studio(() => window.studio.state());
  assert.equal(s.error, null);
  assert.ok(Math.abs(s.input.seconds - 6) < 0.01, `input ${s.input.seconds} s`);
  // The user's pair, with the white-box model and ITO on z (the page's default method).
  const m = await studio(() => window.studio.master({ mode: 'white-box', itoSteps: 2, thetaSteps: 1 }));
  assert.equal(m.mode, 'white-box');
  const b64 = await studio(async () => {
    const b = await window.studio.exportWav();
    let bin = '';
    for (let i = 0; i < b.length; i += 0x8000) bin += String.fromCharCode(...b.subarray(i, i + 0x8000));
    return btoa(bin);
  });
  const bytes = Buffer.from(b64, 'base64');
  writeFileSync(join(TMP, 'master.wav'), bytes);
  // The master keeps the mix's 48 kHz and its length.
  const w = parseWav24(bytes, fs);
  assert.equal(w.frames, 6 * fs);
  s = await studio(() => window.studio.state());
  // Loudness of the exported file: the native CLI when it is built (scripts/test.sh builds
  // it first), otherwise the engine's WASM function on the decoded samples.
  let lufs, how;
  if (existsSync(NATIVE)) {
    lufs = JSON.parse(execFileSync(NATIVE, ['analyze', '--json', join(TMP, 'master.wav')])).metrics.lufs;
    how = 'native itomaster analyze';
  } else {
    const planar = Buffer.concat([Buffer.from(w.l.buffer), Buffer.from(w.r.buffer)]).toString('base64');
    lufs = await studio(async ([p, n]) => {
      const f = new Float32Array(Uint8Array.from(atob(p), (c) => c.charCodeAt(0)).buffer);
      return window.studio.loudness(f.subarray(0, n), f.subarray(n), 48000);
    }, [planar, w.frames]);
    how = 'the engine in WASM';
  }
  console.log(`# exported master ${lufs.toFixed(2)} LUFS (${how}), reference ${s.reference.metrics.lufs.toFixed(2)} LUFS`);
  assert.ok(Math.abs(lufs - s.reference.metrics.lufs) < 0.5);
  // The other bit depths: 16-bit (dithered: within 1.5 LSB of the 24-bit file's samples) and
  // 32-bit float (within half a 24-bit LSB of them); an unknown depth is refused.
  const other = await studio(async () => {
    const header = (b) => { const v = new DataView(b.buffer); return { format: v.getUint16(20, true), bits: v.getUint16(34, true), bytes: b.length }; };
    const b16 = await window.studio.exportWav('16'), b32 = await window.studio.exportWav('32f');
    const v16 = new DataView(b16.buffer, 44), v32 = new DataView(b32.buffer, 44);
    const s16 = [], s32 = [];
    for (let i = 0; i < 2000; ++i) s16.push(v16.getInt16(i * 2, true) / 32768), s32.push(v32.getFloat32(i * 4, true));
    let refused = null;
    try { await window.studio.exportWav('12'); } catch (e) { refused = e.message; }
    // Without the final limiter: float, the same length and loudness, peaks no longer held
    // (a loud target, so that the limiter has work to do).
    await window.studio.master({ mode: 'theta', steps: 1, targetLufs: -8 });
    const limited = new DataView((await window.studio.exportWav('32f')).buffer, 44);
    let peakL = 0;
    for (let i = 0; i < (limited.byteLength) / 4; ++i) peakL = Math.max(peakL, Math.abs(limited.getFloat32(i * 4, true)));
    const bu = await window.studio.exportWav('unlimited');
    const vu = new DataView(bu.buffer, 44), n = (bu.length - 44) / 8;
    const l = new Float32Array(n), r = new Float32Array(n);
    let peakU = 0;
    for (let i = 0; i < n; ++i) {
      l[i] = vu.getFloat32(i * 8, true); r[i] = vu.getFloat32(i * 8 + 4, true);
      peakU = Math.max(peakU, Math.abs(l[i]), Math.abs(r[i]));
    }
    const unlimited = { header: header(bu), lufs: await window.studio.loudness(l, r, 48000), peak: peakU, limitedPeak: peakL };
    return { h16: header(b16), h32: header(b32), s16, s32, refused, unlimited };
  });
  assert.deepEqual(other.h16, { format: 1, bits: 16, bytes: 44 + 6 * fs * 4 });
  assert.deepEqual(other.h32, { format: 3, bits: 32, bytes: 44 + 6 * fs * 8 });
  for (let i = 0; i < 2000; ++i) {  // interleaved L, R against w.l / w.r
    const x24 = (i % 2 ? w.r : w.l)[i >> 1];
    assert.ok(Math.abs(other.s16[i] - x24) <= 1.5 / 32768 + 1 / 8388608, `16-bit sample ${i}`);
    assert.ok(Math.abs(other.s32[i] - x24) <= 0.5 / 8388608 + 1e-9, `float sample ${i}`);
  }
  assert.match(other.refused, /No such bit depth: 12/);
  assert.deepEqual(other.unlimited.header, other.h32);
  assert.ok(Math.abs(other.unlimited.lufs - -8) < 0.1, `unlimited ${other.unlimited.lufs} LUFS, target -8`);
  const db = (x) => (20 * Math.log10(x)).toFixed(2);
  console.log(`# at -8 LUFS: unlimited export ${other.unlimited.lufs.toFixed(2)} LUFS, sample peak ${db(other.unlimited.peak)} dBFS ` +
              `(limited: ${db(other.unlimited.limitedPeak)} dBFS)`);
  assert.ok(other.unlimited.limitedPeak <= 10 ** (-1 / 20));
  assert.ok(other.unlimited.peak > other.unlimited.limitedPeak * 1.12, 'the unlimited export keeps the peaks the limiter held');
  // The mastering report: one self-contained HTML file, shown here in Chromium (screenshot).
  const html = await studio(() => window.studio.exportReport());
  writeFileSync(join(TMP, 'report.html'), html);
  assert.match(html, /^<!DOCTYPE html>/);
  for (const part of ['mix.wav mastered toward reference.wav', 'Long-term spectra', 'Short-term loudness',
    'What changed most', 'The chain\'s settings', 'ITO\'s loss per step']) assert.ok(html.includes(part), part);
  assert.ok(!/<script|src=|href=|https?:/.test(html), 'the report fetches nothing');
  const reportPage = await context.newPage();
  const fetched = [];
  reportPage.on('request', (r) => fetched.push(r.url()));
  await reportPage.setContent(html);
  await reportPage.screenshot({ path: join(SHOTS, '05-report.png'), fullPage: true });
  assert.deepEqual(fetched, []);
  await reportPage.close();
  await shot('04-upload-mastered');
});

test('Stop ends a long master early with the best parameters so far', { timeout: 180000 }, async () => {
  const isolated = await studio(() => self.crossOriginIsolated);
  assert.equal(isolated, true, 'the server sends COOP/COEP, so the worker is stopped through shared memory');
  const run = studio(() => window.studio.master({ mode: 'theta', steps: 400 }));
  await page.waitForFunction(() => window.studio.state().busy);
  await page.waitForTimeout(1500);
  await studio(() => window.studio.stop());
  const summary = await run;
  assert.equal(summary.stop, 'stopped');
  assert.ok(summary.steps < 400);
  assert.ok((await studio(() => window.studio.state())).output);
});

test('a corrupt file shows a readable error and the app keeps working', { timeout: 120000 }, async () => {
  writeFileSync(join(TMP, 'corrupt.wav'), Buffer.from('RIFF\x10\x00\x00\x00WAVEjunk this is not audio at all'));
  const before = await studio(() => window.studio.state());
  await page.setInputFiles('#file-input', join(TMP, 'corrupt.wav'));
  await page.waitForFunction(() => window.studio.state().error !== null);
  const s = await studio(() => window.studio.state());
  assert.match(s.error, /corrupt\.wav.*(decode|audio)/i);
  assert.deepEqual(s.input, before.input, 'the loaded input stays');
  await shot('05-corrupt-file');
  const summary = await studio(() => window.studio.master({ mode: 'theta', steps: 1 }));
  assert.ok(summary.metrics.lufs > -30);
  assert.equal((await studio(() => window.studio.state())).error, null);
});

test('a 96 kHz mix masters at 96 kHz with its exact length, in every method', { timeout: 240000 }, async () => {
  const fs = 96000, frames = 4 * fs + 37;
  const [il, ir] = song(4.01, fs, 0.1, 0.25, 7).map((c) => c.subarray(0, frames));
  const [rl, rr] = song(5, 48000, 0.5, 0.9, 8);  // the reference may be at any rate
  writeFileSync(join(TMP, 'mix96.wav'), wav16(il, ir, fs));
  writeFileSync(join(TMP, 'ref48.wav'), wav16(rl, rr, 48000));
  await page.setInputFiles('#file-input', join(TMP, 'mix96.wav'));
  await page.waitForFunction(() => { const s = window.studio.state(); return s.input && !s.busy && s.input.sampleRate === 96000; });
  await page.setInputFiles('#file-reference', join(TMP, 'ref48.wav'));
  await page.waitForFunction(() => { const s = window.studio.state(); return s.reference && !s.busy && s.reference.seconds > 4.9 && s.reference.seconds < 5.1; });
  const results = [];
  for (const options of [{ mode: 'theta', steps: 2 }, { mode: 'white-box', itoSteps: 2, thetaSteps: 1 }]) {
    const m = await studio((o) => window.studio.master(o), options);
    const header = await studio(async () => {
      const v = new DataView((await window.studio.exportWav('24')).buffer);
      return { rate: v.getUint32(24, true), frames: v.getUint32(40, true) / 6 };
    });
    const s = await studio(() => window.studio.state());
    results.push({ mode: m.mode, ...header, lufs: m.metrics.lufs, reference: s.reference.metrics.lufs, tp: m.metrics.truePeakDbtp });
    assert.equal(m.mode, options.mode);
    assert.deepEqual(header, { rate: 96000, frames });
    assert.equal(s.output.sampleRate, 96000);
    assert.ok(Math.abs(m.metrics.lufs - s.reference.metrics.lufs) < 0.5, `${m.metrics.lufs} LUFS`);
    assert.ok(m.metrics.truePeakDbtp <= -0.9);
  }
  console.log(`# 96 kHz masters: ${JSON.stringify(results)}`);
  // Another rate on request (the UI's Sample rate, the CLI's --output-rate): the mix is resampled.
  const other = await studio(async () => {
    await window.studio.master({ mode: 'theta', steps: 1, masterRate: 48000 });
    const v = new DataView((await window.studio.exportWav('24')).buffer);
    return { rate: v.getUint32(24, true), frames: v.getUint32(40, true) / 6 };
  });
  assert.deepEqual(other, { rate: 48000, frames: Math.round(frames / 2) });
  // Black-box's waveform is the network's, at 44.1 kHz: its preview comes out there.
  const bb = await studio(() => window.studio.master({ mode: 'black-box', itoSteps: 1 }));
  assert.equal(bb.sampleRate, 44100);
  assert.deepEqual(consoleErrors, []);
});

test('an album: three mixes toward one reference, one target loudness, one ZIP', { timeout: 240000 }, async () => {
  const fs = 44100;
  const mixes = [0, 1, 2].map((k) => wav16(...song(3, fs, 0.05 + 0.1 * k, 0.2 + 0.3 * k, 20 + k), fs).toString('base64'));
  const [rl, rr] = song(4, fs, 0.6, 0.8, 30);
  writeFileSync(join(TMP, 'album-ref.wav'), wav16(rl, rr, fs));
  await page.setInputFiles('#file-reference', join(TMP, 'album-ref.wav'));
  await page.waitForFunction(() => { const s = window.studio.state(); return s.reference && !s.busy && s.reference.seconds < 4.1; });
  const run = (sameSettings) => studio(async ([b64s, same]) => {
    window.studio.uiAction('settings', { mode: 'theta', steps: 3 });
    const files = b64s.map((b, k) => new File([Uint8Array.from(atob(b), (c) => c.charCodeAt(0))], `song ${k}.wav`));
    const tracks = await window.studio.album.master(files, { sameSettings: same });
    const zip = new Uint8Array(await (await window.studio.album.exportZip()).arrayBuffer());
    let bin = '';
    for (let i = 0; i < zip.length; i += 0x8000) bin += String.fromCharCode(...zip.subarray(i, i + 0x8000));
    return { tracks, zip: btoa(bin), reference: window.studio.state().reference.metrics.lufs };
  }, [mixes, sameSettings]);
  for (const same of [false, true]) {
    const r = await run(same);
    assert.deepEqual(r.tracks.map((t) => [t.name, t.state]), [0, 1, 2].map((k) => [`song ${k}.wav`, 'done']));
    for (const t of r.tracks) {
      assert.ok(Math.abs(t.lufs - r.reference) < 0.3, `${t.name}: ${t.lufs} LUFS against ${r.reference}`);
      assert.ok(t.truePeakDbtp <= -0.9, `${t.name}: ${t.truePeakDbtp} dBTP`);
    }
    const zipPath = join(TMP, same ? 'album-same.zip' : 'album.zip');
    writeFileSync(zipPath, Buffer.from(r.zip, 'base64'));
    // The ZIP holds the three masters and the table; Python's zipfile reads it back, CRCs checked.
    const listing = execFileSync('/usr/bin/python3', ['-m', 'zipfile', '-l', zipPath]).toString();
    for (const name of ['song 0.wav', 'song 1.wav', 'song 2.wav', 'album.csv']) assert.ok(listing.includes(name), listing);
    execFileSync('/usr/bin/python3', ['-m', 'zipfile', '-t', zipPath]);
    console.log(`# album (${same ? 'first mix\'s settings' : 'each its own ITO'}): ` +
                r.tracks.map((t) => `${t.name} ${t.lufs.toFixed(2)} LUFS ${t.truePeakDbtp.toFixed(2)} dBTP LRA ${t.lra.toFixed(1)}`).join('; '));
  }
  // A taller window for the screenshot, so the side panel shows the album's table.
  const viewport = page.viewportSize();
  await page.setViewportSize({ width: viewport.width, height: 1500 });
  await page.mouse.move(100, 100);  // an input event: the UI draws on input
  await shot('07-album');
  await page.setViewportSize(viewport);
  assert.deepEqual(consoleErrors, []);
});

test('a mono mix gives a mono master: the imager is off, the file has one channel', { timeout: 120000 }, async () => {
  const fs = 44100;
  const [l] = song(4, fs, 0.1, 0.3, 5);
  const n = l.length, b = Buffer.alloc(44 + n * 2);  // a 16-bit mono WAV
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVEfmt ', 8); b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(fs, 24); b.writeUInt32LE(fs * 2, 28);
  b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; ++i) b.writeInt16LE(Math.round(l[i] * 32767), 44 + i * 2);
  writeFileSync(join(TMP, 'mono.wav'), b);
  await page.setInputFiles('#file-input', join(TMP, 'mono.wav'));
  await page.waitForFunction(() => { const s = window.studio.state(); return s.input && !s.busy && s.input.seconds < 4.5; });
  let s = await studio(() => window.studio.state());
  assert.equal(s.input.mono, true);
  assert.match(s.status, /is mono: its master is mono too/);
  const m = await studio(() => window.studio.master({ mode: 'theta', steps: 2 }));
  assert.equal(m.metrics.width, 0, 'both channels of the master are the same');
  const channels = await studio(async () => {
    const count = (bytes) => new DataView(bytes.buffer).getUint16(22, true);
    return [count(await window.studio.exportWav('24')), count(await window.studio.exportWav('24', { stereo: true }))];
  });
  assert.deepEqual(channels, [1, 2]);
  await shot('06-mono-master');
  assert.deepEqual(consoleErrors, []);
});

test('no request leaves the origin', () => {
  assert.ok(requests.length > 5);
  const foreign = requests.filter((u) => !u.startsWith(origin + '/') && !u.startsWith('blob:') && !u.startsWith('data:'));
  assert.deepEqual(foreign, []);
});

test('the app loads and masters with the models offline after the first visit (service worker)', { timeout: 240000 }, async () => {
  await studio(() => navigator.serviceWorker.ready.then(() => true));
  // Installed with the app and the default model; the rest (the demo pair here) follows.
  assert.equal(await studio(() => window.studio.offlineReady()), true);
  // Active means installed, i.e. every file is in the cache; claimed means it serves this page.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await context.setOffline(true);
  server.close();  // and nothing answers anyway
  server = null;
  await page.reload();
  await studio(() => window.studio.ready);
  const s = await studio(() => window.studio.state());
  assert.equal(s.error, null);
  await studio(() => window.studio.loadDemo());
  assert.ok((await studio(() => window.studio.state())).reference);
  // Offline, the learned model comes from the cache: a white-box master.
  const m = await studio(() => window.studio.master({ mode: 'white-box', itoSteps: 2, thetaSteps: 1 }));
  assert.equal(m.mode, 'white-box');
  assert.equal(m.inference && m.inference.backend, 'C++ (WASM)');
  assert.ok(m.bestLoss <= m.initialLoss);
  await shot('06-offline-reload');
  await context.setOffline(false);
});
