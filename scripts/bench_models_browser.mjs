// Times the learned-model path of the page per backend in headless Chromium (build-web/site):
// Φ and Ψ inference (ONNX Runtime Web) on the 30 s excerpts, the ITO-on-z step, and the whole
// white-box master (prediction + ITO + render of the full track). A measurement, not a test:
//   node scripts/bench_models_browser.mjs INPUT REFERENCE [itoSteps=30] [backends=wasm-1,wasm-threads,webgpu]
// Backends: wasm-1 (ORT WASM, one thread; ITO in our C++/WASM), wasm-threads (ORT WASM, up to
// 4 threads), webgpu (ORT WebGPU and Ψ's backward in our WGSL shaders, forced on; here only
// Chromium's SwiftShader adapter, i.e. the GPU emulated on the CPU: not a GPU timing).
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startServer } from '../web/serve.mjs';

const [input, reference, itoSteps = '30', which = 'wasm-1,wasm-threads,webgpu'] = process.argv.slice(2);
if (!input || !reference) {
  console.error('usage: node scripts/bench_models_browser.mjs INPUT REFERENCE [itoSteps] [backends]');
  process.exit(2);
}
const server = await startServer(process.cwd() + '/build-web/site', 0, '127.0.0.1');
const origin = `http://127.0.0.1:${server.address().port}`;
const common = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-angle=swiftshader'];
const settings = {
  'wasm-1': { args: ['--disable-gpu'], options: { ortThreads: 1, gpuBackward: false } },
  'wasm-threads': { args: ['--disable-gpu'], options: { ortThreads: 4, gpuBackward: false } },
  webgpu: { args: ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader'],
    options: { gpuBackward: 'always', ortWebgpu: 'always' } },
};
const bytes = (p) => Array.from(readFileSync(p));
const files = [bytes(input), bytes(reference)];
const rows = [];
for (const name of which.split(',')) {
  const setting = settings[name];
  if (!setting) throw new Error(`unknown backend ${name}`);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [...common, ...setting.args] });
  const page = await (await browser.newContext()).newPage();
  await page.goto(origin + '/');
  await page.evaluate(() => window.studio.ready);
  await page.evaluate(async ([a, b]) => {
    await window.studio.load('input', new Uint8Array(a).buffer);
    await window.studio.load('reference', new Uint8Array(b).buffer);
  }, files);
  const t0 = Date.now();
  const s = await page.evaluate((o) => window.studio.master(o),
    { mode: 'white-box', itoSteps: Number(itoSteps), thetaSteps: 0, ...setting.options });  // ITO on z alone: Ψ's backends
  const masterS = (Date.now() - t0) / 1000;
  const state = await page.evaluate(() => window.studio.state());
  const inf = s.inference || {};
  rows.push({ backend: name, ort: inf.backend, phi_ms: Math.round(inf.phiMs), psi_ms: Math.round(inf.psiMs),
    ito_backward: s.ito.backward, ito_evaluations: s.ito.evaluations,
    ito_ms_per_evaluation: Math.round(s.ito.stepMs),
    gpu_ms_per_backward: s.ito.gpuBackwards ? Math.round(s.ito.backwardMs / s.ito.gpuBackwards) : null,
    master_s: masterS, track_s: state.input.seconds, af_loss: `${s.initialLoss.toFixed(4)} -> ${s.bestLoss.toFixed(4)}` });
  console.log(JSON.stringify(rows.at(-1)));
  await browser.close();
}
server.close();
