// Test-only worker (tests/browser/gpu_backward.test.mjs): Ψ's dL/dz by the WebGPU shaders
// (gpu_backward.js) and by the C++ backward (psiBackwardZ), on the same tape.
// Message in: {bytes: ArrayBuffer (.itom), cases: [{left, right, z, gParams}]};
// out: {skip} when no adapter, {error}, or {adapter, results: [{gpu, cpp, tapeMs, cppMs: [...], gpuMs: [...]}]}.
/* global createStudio, GpuBackward */
importScripts('studio.js', 'gpu_backward.js');

const ready = createStudio({ locateFile: (f) => f });

function check(result) {
  if (result && result.error) throw new Error(result.error);
  return result;
}

self.onmessage = async (event) => {
  try {
    const engine = await ready;
    const { bytes, cases } = event.data;
    check(engine.psiLoad(new Uint8Array(bytes)));
    const gpu = await GpuBackward.create({ shaderBase: 'shaders/' });
    if (!gpu) {
      self.postMessage({ skip: 'navigator.gpu has no adapter' });
      return;
    }
    const results = [];
    for (const c of cases) {
      let t = performance.now();
      const tape = check(engine.psiTape(c.left, c.right, c.z));
      const tapeMs = performance.now() - t;
      let cpp;
      const cppMs = [];
      for (let run = 0; run < 3; ++run) {  // forward + backward; the first run includes wasm tier-up
        t = performance.now();
        cpp = check(engine.psiBackwardZ(c.left, c.right, c.z, c.gParams));
        cppMs.push(performance.now() - t);
      }
      const gpuMs = [], timings = [];
      let out;
      for (let run = 0; run < 2; ++run) {  // the first run includes the driver's warm-up
        t = performance.now();
        out = await gpu.backwardZ(tape, c.gParams);
        gpuMs.push(performance.now() - t);
        timings.push(gpu.lastTimings);
      }
      results.push({ gpu: out, cpp, tapeMs, cppMs, gpuMs, timings, blocks: tape.blocks.length, frames: tape.frames });
    }
    self.postMessage({ adapter: gpu.adapterName, results });
    gpu.destroy();
  } catch (e) {
    self.postMessage({ error: String(e && e.stack ? e.stack : e) });
  }
};
