// Ψ's backward for dL/dz on WebGPU (web/gpu_backward.js, shaders/*.wgsl) against the C++
// backward (psiBackwardZ, wasm/app/psi_tape_api.cpp), in headless Chromium with WebGPU on
// SwiftShader (no --disable-gpu). Runs in a worker (web/gpu_backward_check.js) on the built
// site (build-web/site, scripts/build_web.sh). Skips, with a message, when there is no adapter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchChromium } from './chromium.mjs';
import { startServer } from '../../web/serve.mjs';

const SITE = 'build-web/site';
const TOLERANCE = 1e-3;  // max |GPU - C++| / max |C++|
let server, origin, browser, page;
const consoleErrors = [];

before(async () => {
  server = await startServer(join(process.cwd(), SITE), 0, '127.0.0.1');
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium(['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader']);
  page = await (await browser.newContext()).newPage();
  page.on('console', (msg) => {
    // The browser's own favicon request 404s (the site has none); anything else counts.
    if (msg.type() === 'error' && !msg.location().url.endsWith('/favicon.ico')) consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  // Any same-origin document will do (the worker does the work): a small static file.
  await page.goto(origin + '/manifest.webmanifest');
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.close();
});

// In the page: two cases (2 s of the demo input, decoded at 44.1 kHz; an odd-length noise
// burst, so the strided convolutions see ragged ends), each with its own z and dL/dp,
// sent to the check worker.
async function runCheck() {
  return page.evaluate(async () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
    const vector = (n, scale) => Float32Array.from({ length: n }, () => scale * rnd());
    const bytes = await (await fetch('models/whitebox.itom')).arrayBuffer();
    const zDim = 128;

    const ogg = await (await fetch('demo/input.ogg')).arrayBuffer();
    const decoded = await new OfflineAudioContext(2, 1, 44100).decodeAudioData(ogg);
    const start = 5 * 44100, frames = 2 * 44100;
    const demo = [0, 1].map((c) => decoded.getChannelData(Math.min(c, decoded.numberOfChannels - 1))
      .slice(start, start + frames));
    const noiseFrames = 32771;
    const cases = [
      { left: demo[0], right: demo[1], z: vector(zDim, 0.1), gParams: vector(46, 1) },
      { left: vector(noiseFrames, 0.3), right: vector(noiseFrames, 0.3), z: vector(zDim, 0.5), gParams: vector(46, 1) },
    ];
    const worker = new Worker('gpu_backward_check.js');
    const reply = await new Promise((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => resolve({ error: `worker: ${e.message}` });
      worker.postMessage({ bytes, cases });
    });
    worker.terminate();
    if (!reply.results) return reply;
    // Plain arrays back to Node.
    return { adapter: reply.adapter, results: reply.results.map((r) => ({ ...r, gpu: Array.from(r.gpu),
      cpp: Array.from(r.cpp) })) };
  });
}

test('WebGPU dL/dz of the white-box converter agrees with the C++ backward', { timeout: 240000 }, async (t) => {
  const hasAdapter = await page.evaluate(async () => {
    try { return !!(navigator.gpu && await navigator.gpu.requestAdapter()); } catch { return false; }
  });
  if (!hasAdapter) {
    t.skip('no WebGPU adapter in this Chromium (navigator.gpu.requestAdapter() gave none)');
    return;
  }
  const reply = await runCheck();
  if (reply.skip) {
    t.skip(`the worker found no WebGPU adapter: ${reply.skip}`);
    return;
  }
  assert.ok(!reply.error, reply.error);
  console.log(`# WebGPU adapter: ${reply.adapter}`);
  assert.equal(reply.results.length, 2);
  for (const [n, r] of reply.results.entries()) {
    assert.equal(r.gpu.length, 128);
    assert.equal(r.cpp.length, 128);
    const scale = Math.max(...r.cpp.map(Math.abs));
    const diff = Math.max(...r.gpu.map((v, i) => Math.abs(v - r.cpp[i])));
    assert.ok(r.gpu.every(Number.isFinite), 'finite GPU gradient');
    assert.ok(scale > 0, 'a nonzero C++ gradient');
    console.log(`# case ${n} (${r.frames} frames, ${r.blocks} blocks): max|C++ dL/dz| ${scale.toExponential(3)}, ` +
      `max|GPU - C++| ${diff.toExponential(3)} (relative ${(diff / scale).toExponential(3)}); ` +
      `C++ tape ${r.tapeMs.toFixed(0)} ms, C++ forward+backward ${r.cppMs.map((v) => v.toFixed(0)).join(' / ')} ms, ` +
      `GPU backward ${r.gpuMs.map((v) => v.toFixed(0)).join(' / ')} ms (runs in order; last: ` +
      `encode+upload ${r.timings.at(-1).encodeMs.toFixed(0)} ms, GPU+read-back ${r.timings.at(-1).gpuMs.toFixed(0)} ms)`);
    assert.ok(diff / scale < TOLERANCE, `case ${n}: relative difference ${diff / scale}`);
  }
  assert.deepEqual(consoleErrors, []);
});

test('GpuBackward.create() gives null without WebGPU or without an adapter (the C++ path then runs)', async () => {
  await page.addScriptTag({ url: '/gpu_backward.js' });
  const results = await page.evaluate(async () => {
    const real = Object.getOwnPropertyDescriptor(Navigator.prototype, 'gpu');
    const out = {};
    try {
      Object.defineProperty(navigator, 'gpu', { value: undefined, configurable: true });
      out.noGpu = await self.GpuBackward.create();
      Object.defineProperty(navigator, 'gpu', { value: { requestAdapter: async () => null }, configurable: true });
      out.noAdapter = await self.GpuBackward.create();
    } finally {
      delete navigator.gpu;  // back to the prototype's getter
    }
    out.restored = navigator.gpu === (real ? real.get.call(navigator) : undefined);
    return out;
  });
  assert.equal(results.noGpu, null);
  assert.equal(results.noAdapter, null);
  assert.ok(results.restored);
});

// The page's own ITO loop (web/worker.js, wasm/app/ito_session_api.cpp) with Ψ's backward on
// the GPU, against the same master with the C++ backward: the same steps up to float rounding.
test('the page masters the demo with ITO on z, Ψ\'s backward on WebGPU, as with the C++ backward', { timeout: 300000 }, async (t) => {
  const studioPage = await (await browser.newContext()).newPage();
  const errors = [];
  studioPage.on('pageerror', (err) => errors.push(String(err)));
  studioPage.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.location().url.endsWith('/favicon.ico')) errors.push(msg.text());
  });
  await studioPage.goto(origin + '/');
  await studioPage.evaluate(() => window.studio.ready);
  const hasAdapter = await studioPage.evaluate(async () => !!(navigator.gpu && await navigator.gpu.requestAdapter()));
  if (!hasAdapter) {
    t.skip('no WebGPU adapter in this Chromium');
    return;
  }
  // A short pair (4 s of each demo clip, as 16-bit WAV): SwiftShader runs the shaders on the CPU.
  await studioPage.evaluate(async () => {
    const wav = (l, r) => {
      const n = l.length, b = new DataView(new ArrayBuffer(44 + 4 * n));
      const str = (o, t) => [...t].forEach((c, i) => b.setUint8(o + i, c.charCodeAt(0)));
      str(0, 'RIFF'); b.setUint32(4, 36 + 4 * n, true); str(8, 'WAVEfmt '); b.setUint32(16, 16, true);
      b.setUint16(20, 1, true); b.setUint16(22, 2, true); b.setUint32(24, 44100, true); b.setUint32(28, 176400, true);
      b.setUint16(32, 4, true); b.setUint16(34, 16, true); str(36, 'data'); b.setUint32(40, 4 * n, true);
      for (let i = 0; i < n; ++i) {
        b.setInt16(44 + 4 * i, Math.round(Math.max(-1, Math.min(1, l[i])) * 32767), true);
        b.setInt16(46 + 4 * i, Math.round(Math.max(-1, Math.min(1, r[i])) * 32767), true);
      }
      return b.buffer;
    };
    for (const [kind, file] of [['input', 'demo/input.ogg'], ['reference', 'demo/reference.ogg']]) {
      const decoded = await new OfflineAudioContext(2, 1, 44100).decodeAudioData(await (await fetch(file)).arrayBuffer());
      const part = (c) => decoded.getChannelData(Math.min(c, decoded.numberOfChannels - 1)).slice(5 * 44100, 9 * 44100);
      await window.studio.load(kind, wav(part(0), part(1)));
    }
  });
  // ort: false, so every run starts from the C++ Φ's z (ONNX Runtime's WebGPU build is not under test here).
  const run = (gpuBackward) => studioPage.evaluate((g) =>
    window.studio.master({ mode: 'white-box', itoSteps: 3, thetaSteps: 0, ort: false, gpuBackward: g }), gpuBackward);
  const gpu = await run('always');
  const cpu = await run(false);
  const auto = await run(true);
  console.log(`# ITO on z, 4 s pair, ${gpu.ito.evaluations} evaluations: ${gpu.ito.backward} ` +
              `${gpu.ito.stepMs.toFixed(0)} ms per evaluation (GPU ${(gpu.ito.backwardMs / gpu.ito.gpuBackwards).toFixed(0)} ` +
              `ms per backward pass); ${cpu.ito.backward} ${cpu.ito.stepMs.toFixed(0)} ms per evaluation; ` +
              `auto: ${auto.ito.backward}${auto.ito.gpuError ? ` (${auto.ito.gpuError})` : ''}`);
  assert.match(gpu.ito.backward, /^WebGPU/);
  assert.equal(gpu.ito.gpuError, null);
  assert.equal(cpu.ito.backward, 'C++ (WASM)');
  assert.equal(gpu.lossCurve.length, 4, 'the start and three updates');
  assert.equal(gpu.ito.gpuBackwards, 3, 'every evaluation but the last took a gradient on the GPU');
  // The same steps whichever path computed dL/dz.
  for (const other of [cpu, auto]) {
    assert.equal(other.lossCurve.length, gpu.lossCurve.length);
    assert.equal(other.lossCurve[0], gpu.lossCurve[0], 'the same start');
    for (let i = 0; i < gpu.lossCurve.length; ++i) {
      const rel = Math.abs(gpu.lossCurve[i] - other.lossCurve[i]) / other.lossCurve[i];
      assert.ok(rel < 1e-3, `step ${i}: GPU ${gpu.lossCurve[i]} vs ${other.ito.backward} ${other.lossCurve[i]}`);
    }
  }
  assert.deepEqual(errors, []);
  await studioPage.close();
});
