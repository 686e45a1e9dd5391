// The engine's Web Worker: analysis, mastering (ITO) and re-rendering run here, so the
// page (and its UI) never freezes. Messages: {id, op, args} -> {id, ok, result | error},
// plus {id, progress: {step, loss, bestLoss}} while mastering and {warning} if the model
// cannot be loaded. Audio arrives and leaves
// as transferred Float32Arrays (planar stereo, 44.1 kHz).
/* global createStudio */
importScripts('studio.js');

const tracks = { input: null, reference: null };  // {left, right}
let output = null;      // {left, right} of the current master
let lastMaster = null;  // {inputGainDb, targetLufs, ceilingDbtp}
let stopFlag = null;    // Int32Array on a SharedArrayBuffer when the page is cross-origin isolated
let engine;
let model = null;       // {kind, parameters} once models/whitebox.itom is loaded
let normalized = null;  // {left, right}: the Fx-normalized input a model master's chain processed

const ready = createStudio({ locateFile: (f) => f }).then(async (m) => {
  engine = m;
  // The learned white-box model ships with the site (precached, so it works offline).
  try {
    const [bytes, stats] = await Promise.all([
      fetch('models/whitebox.itom').then((r) => { if (!r.ok) throw new Error(r.status); return r.arrayBuffer(); }),
      fetch('models/fxnorm_stats.txt').then((r) => { if (!r.ok) throw new Error(r.status); return r.text(); }),
    ]);
    model = check(engine.loadModel(new Uint8Array(bytes), stats));
  } catch (e) {
    model = null;  // ITO on the parameters still works
    self.postMessage({ warning: `the white-box model could not be loaded (${e.message || e})` });
  }
});

// ---- ONNX Runtime Web: Φ and Ψ's first prediction (WebGPU when an adapter exists, else
// WASM; threads when the page is cross-origin isolated). Loaded on first use, from our origin.
let ortState = null;  // {backend, encoder, converter} or {error}
async function ortSessions() {
  if (ortState) return ortState;
  try {
    importScripts('ort/ort.webgpu.min.js');
    /* global ort */
    ort.env.wasm.wasmPaths = new URL('ort/', self.location.href).href;
    ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
    let backend = 'wasm';
    try {
      if (navigator.gpu && await navigator.gpu.requestAdapter()) backend = 'webgpu';
    } catch (e) { /* no adapter: WASM */ }
    const create = (f) => ort.InferenceSession.create(`models/${f}`, { executionProviders: [backend] });
    const [encoder, converter] = await Promise.all([create('whitebox_encoder.onnx'), create('whitebox_converter.onnx')]);
    ortState = { backend: backend === 'webgpu' ? 'ONNX Runtime Web (WebGPU)'
      : `ONNX Runtime Web (WASM, ${ort.env.wasm.numThreads} thread${ort.env.wasm.numThreads > 1 ? 's' : ''})`,
    encoder, converter };
  } catch (e) {
    ortState = { error: String(e && e.message ? e.message : e) };
  }
  return ortState;
}

// z and the 46 parameters by ONNX Runtime, checked against our C++ forward at the same z.
async function ortPrediction(inputTrack, referenceTrack) {
  const s = await ortSessions();
  if (s.error) return { backend: 'C++ (WASM)', error: s.error };
  const ex = check(engine.modelExcerpts(inputTrack.left, inputTrack.right, referenceTrack.left, referenceTrack.right));
  const tensor = (x) => {
    const data = new Float32Array(2 * x.left.length);
    data.set(x.left, 0);
    data.set(x.right, x.left.length);
    return new ort.Tensor('float32', data, [1, 2, x.left.length]);
  };
  let t = performance.now();
  const z = (await s.encoder.run({ audio: tensor(ex.reference) })).z.data;
  const phiMs = performance.now() - t;
  t = performance.now();
  const p = (await s.converter.run({ audio: tensor(ex.input), z: new ort.Tensor('float32', z, [1, z.length]) })).params.data;
  const psiMs = performance.now() - t;
  const mine = check(engine.predictParams(ex.input.left, ex.input.right, z));
  let parity = 0;
  for (let i = 0; i < p.length; i++) parity = Math.max(parity, Math.abs(p[i] - mine[i]));
  return { backend: s.backend, z: Float32Array.from(z), phiMs, psiMs, parity };
}

function check(result) {
  if (result && result.error) throw new Error(result.error);
  return result;
}

function analysis(left, right) {
  const a = check(engine.analyzeTrack(left, right));
  return { metrics: a.metrics, waveform: a.waveform, spectrum: a.spectrum, shortTermLufs: a.shortTermLufs,
           seconds: a.seconds };
}

function transferablesOf(a) {
  return [a.waveform.min.buffer, a.waveform.max.buffer, a.spectrum.buffer, a.shortTermLufs.buffer];
}

// Returns [result, transfer list].
const ops = {
  init({ stop }) {
    stopFlag = stop ? new Int32Array(stop) : null;
    return [{ table: engine.paramTable(), model }, []];
  },
  load({ kind, left, right }) {
    const a = analysis(left, right);
    tracks[kind] = { left, right };
    if (kind === 'input') { output = null; lastMaster = null; normalized = null; }
    return [a, transferablesOf(a)];
  },
  // options.mode: 'white-box' (the learned model + ITO on z; default when it loaded) or
  // 'theta' (ITO on the 46 parameters).
  async master({ options }, id) {
    if (!tracks.input || !tracks.reference) throw new Error('load an input and a reference first');
    if (stopFlag) Atomics.store(stopFlag, 0, 0);
    const mode = options.mode === 'theta' || !model ? 'theta' : 'white-box';
    const opts = { steps: options.steps ?? 60, itoSteps: options.itoSteps ?? 30,
                   targetLufs: options.targetLufs ?? null, ceilingDbtp: options.ceilingDbtp ?? -1 };
    const maxSteps = mode === 'theta' ? opts.steps : opts.itoSteps;
    const onProgress = (step, loss, bestLoss) => {
      self.postMessage({ id, progress: { step, loss, bestLoss, maxSteps } });
      return !(stopFlag && Atomics.load(stopFlag, 0));
    };
    const t0 = performance.now();
    const { left: il, right: ir } = tracks.input, { left: rl, right: rr } = tracks.reference;
    let ortInfo = null;
    if (mode !== 'theta' && options.ort !== false) {
      ortInfo = await ortPrediction(tracks.input, tracks.reference);
      if (ortInfo.z) opts.zInit = ortInfo.z;
    }
    const r = check(mode === 'theta' ? engine.master(il, ir, rl, rr, opts, onProgress)
                                     : engine.masterWithModel(il, ir, rl, rr, opts, onProgress));
    normalized = mode === 'theta' ? null : { left: r.normalizedLeft, right: r.normalizedRight };
    output = { left: r.left, right: r.right };
    lastMaster = { inputGainDb: r.inputGainDb, targetLufs: r.targetLufs, ceilingDbtp: opts.ceilingDbtp };
    const a = analysis(r.left, r.right);
    const summary = { mode, params: r.params, initialParams: r.initialParams, inputGainDb: r.inputGainDb,
      targetLufs: r.targetLufs, ceilingDbtp: opts.ceilingDbtp, lossCurve: r.lossCurve, steps: r.steps,
      stop: r.stop, initialLoss: r.initialLoss, bestLoss: r.bestLoss, seconds: (performance.now() - t0) / 1000,
      inference: ortInfo && { backend: ortInfo.backend, phiMs: ortInfo.phiMs, psiMs: ortInfo.psiMs,
                              parity: ortInfo.parity, error: ortInfo.error } };
    const left = r.left.slice(), right = r.right.slice();  // the worker keeps its own copy
    return [{ summary, analysis: a, left, right }, [left.buffer, right.buffer, ...transferablesOf(a)]];
  },
  render({ params, inputGainDb, targetLufs, ceilingDbtp }) {
    if (!tracks.input) throw new Error('load an input first');
    // A model master's parameters apply to the Fx-normalized input.
    const source = normalized || tracks.input;
    const r = check(engine.render(source.left, source.right, params, inputGainDb, targetLufs, ceilingDbtp));
    output = { left: r.left, right: r.right };
    const a = analysis(r.left, r.right);
    const left = r.left.slice(), right = r.right.slice();
    return [{ analysis: a, left, right }, [left.buffer, right.buffer, ...transferablesOf(a)]];
  },
  exportWav() {
    if (!output) throw new Error('nothing to export: master first');
    const bytes = check(engine.encodeWav24(output.left, output.right));
    return [bytes, [bytes.buffer]];
  },
  formatParam({ index, value }) { return [engine.formatParam(index, value), []]; },
  loudness({ left, right }) { return [engine.integratedLufs(left, right), []]; },
};

self.onmessage = async (e) => {
  const { id, op, args } = e.data;
  try {
    await ready;
    if (!ops[op]) throw new Error(`unknown operation ${op}`);
    const [result, transfer] = await ops[op](args || {}, id);
    self.postMessage({ id, ok: true, result }, transfer);
  } catch (err) {
    self.postMessage({ id, ok: false, error: String(err && err.message ? err.message : err) });
  }
};
