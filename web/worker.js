// The engine's Web Worker: analysis, mastering (ITO) and re-rendering run here, so the
// page (and its UI) never freezes. Messages: {id, op, args} -> {id, ok, result | error},
// plus {id, progress: {step, loss, bestLoss}} while mastering and {warning} if a model
// cannot be loaded. Audio arrives and leaves
// as transferred Float32Arrays (planar stereo, 44.1 kHz).
// The engine: engine_mt.js (threads: Emscripten pthreads on SharedArrayBuffer) when the page
// is cross-origin isolated, else studio.js (one thread); the same results either way. The
// page's ?threads=N (passed on as worker.js?threads=N) caps the threads; 1 takes studio.js.
/* global createStudio, createEngine, GpuBackward */
const threadCap = Number(new URL(self.location.href).searchParams.get('threads')) || 0;
const threaded = self.crossOriginIsolated && typeof SharedArrayBuffer === 'function' && threadCap !== 1;
importScripts(threaded ? 'engine_mt.js' : 'studio.js', 'gpu_backward.js');

// {left, right, rate}. The input is at its own rate (the master's: 44.1 to 192 kHz), with
// input44, its 44.1 kHz copy for the models, when that differs; the references are at 44.1 kHz,
// and referenceAtRate is the reference at the input's rate (the page resamples: a worker has
// no Web Audio).
const tracks = { input: null, reference: null, reference2: null, input44: null, referenceAtRate: null };
let output = null;      // {left, right, rate} of the current master
let lastMaster = null;  // {inputGainDb, targetLufs, ceilingDbtp}
let stopFlag = null;    // Int32Array on a SharedArrayBuffer when the page is cross-origin isolated
let engine;
let model = null;       // {kind, parameters} once models/whitebox.itom is loaded
let blackBox = null;    // the same for models/blackbox.itom, fetched on its first use
let fxnormStats = null; // models/fxnorm_stats.txt (both models use it)
let normalized = null;  // {left, right}: the Fx-normalized input a model master's chain processed
let lastZ = null;       // the best embedding of the last white-box master ("refine" starts there)
let lastParams = null;  // the chain parameters now applied to that master (edits included)
let stopRequested = false;  // the 'stop' message (when the page is not cross-origin isolated)
let modelError = null;      // why the white-box model could not be loaded (masters fall back to Θ)
let blackBoxError = null;   // the same for the black-box model
let mastering = false;      // a master is running (a model master yields between its steps)

const fetchFile = (f, as) => fetch(f).then((r) => { if (!r.ok) throw new Error(`${f}: ${r.status}`); return r[as](); });

// The black-box model, loaded on first use; null when it cannot be.
async function blackBoxModel() {
  if (!blackBox && fxnormStats) {
    try {
      blackBox = check(engine.loadModel(new Uint8Array(await fetchFile('models/blackbox.itom', 'arrayBuffer')), fxnormStats));
    } catch (e) {
      blackBox = null;
      blackBoxError = `the black-box model could not be loaded (${e.message || e})`;
    }
  } else if (!fxnormStats) {
    blackBoxError = modelError || 'the models\' statistics could not be loaded';
  }
  return blackBox;
}

const createModule = threaded
  ? () => createEngine({ locateFile: (f) => f, mainScriptUrlOrBlob: 'engine_mt.js' })  // its pthreads load it too
  : () => createStudio({ locateFile: (f) => f });
const ready = createModule().then(async (m) => {
  engine = m;
  if (threadCap > 1) engine.setThreads(threadCap);
  // The learned white-box model ships with the site (precached, so it works offline); the
  // black-box one is fetched when first asked for (it is not the default: a smaller first visit).
  try {
    const [white, stats] = await Promise.all([fetchFile('models/whitebox.itom', 'arrayBuffer'),
      fetchFile('models/fxnorm_stats.txt', 'text')]);
    fxnormStats = stats;
    model = check(engine.loadModel(new Uint8Array(white), stats));
  } catch (e) {
    model = null;  // ITO on the parameters still works
    modelError = `the white-box model could not be loaded (${e.message || e})`;
    self.postMessage({ warning: modelError });
  }
  // Once the page is up (after 'init' has answered), a short master on synthetic audio gets V8
  // to optimize the engine's hot functions before the first real file (engine_api.cpp,
  // warm_up): a call that starts in baseline code stays there. Messages wait meanwhile.
  setTimeout(() => { try { engine.warmUp(); } catch (e) { /* only a speed-up */ } }, 0);
});

// ---- Ψ's backward to z on the GPU (web/gpu_backward.js, shaders/*.wgsl) when WebGPU gives an
// adapter; else (or when it fails) the C++ backward in our WASM.
let gpuState = null;  // {gpu} or {error}
async function gpuBackward() {
  if (gpuState) return gpuState;
  try {
    const gpu = await GpuBackward.create({ shaderBase: 'shaders/' });
    gpuState = gpu ? { gpu } : { error: 'no WebGPU adapter' };
  } catch (e) {
    gpuState = { error: String(e && e.message ? e.message : e) };
  }
  return gpuState;
}

// ---- ONNX Runtime Web: Φ and Ψ's first prediction (WebGPU when an adapter exists, else
// WASM; threads when the page is cross-origin isolated). Loaded on first use, from our origin.
let ortState = null;  // {backend, encoder, converter} or {error}
// ortThreads: the WASM backend's thread count (default: up to 4 when cross-origin isolated);
// ortWebgpu: 'always' also takes a software (fallback) adapter, which is far slower than WASM.
// Only the first call's values count (benchmarks start a fresh page per setting).
async function ortSessions(ortThreads, ortWebgpu) {
  if (ortState) return ortState;
  try {
    importScripts('ort/ort.webgpu.min.js');
    /* global ort */
    ort.env.wasm.wasmPaths = new URL('ort/', self.location.href).href;
    ort.env.wasm.numThreads = self.crossOriginIsolated
      ? Math.max(1, Math.min(ortThreads || 4, navigator.hardwareConcurrency || 1)) : 1;
    const backend = (await webgpuForOrt(ortWebgpu)) ? 'webgpu' : 'wasm';
    const create = (f) => ort.InferenceSession.create(`models/${f}`, { executionProviders: [backend] });
    // One after the other: ORT's WebGPU EP refuses a second session while one is being created.
    const encoder = await create('whitebox_encoder.onnx');
    const converter = await create('whitebox_converter.onnx');
    ortState = { backend: backend === 'webgpu' ? 'ONNX Runtime Web (WebGPU)'
      : `ONNX Runtime Web (WASM, ${ort.env.wasm.numThreads} thread${ort.env.wasm.numThreads > 1 ? 's' : ''})`,
    encoder, converter };
  } catch (e) {
    ortState = { error: String(e && e.message ? e.message : e) };
  }
  return ortState;
}

// Whether WebGPU gives ORT an adapter worth using: a hardware one, or any with ortWebgpu
// 'always'. Asked once (the first call's ortWebgpu counts, as for ortSessions).
let webgpuAdapter = null;
async function webgpuForOrt(ortWebgpu) {
  if (webgpuAdapter === null) {
    webgpuAdapter = false;
    try {
      const adapter = navigator.gpu && await navigator.gpu.requestAdapter();
      webgpuAdapter = !!adapter && (!GpuBackward.isSoftwareAdapter(adapter) || ortWebgpu === 'always');
    } catch (e) { /* no adapter */ }
  }
  return webgpuAdapter;
}

// Whether Φ and Ψ's first prediction run in ONNX Runtime Web: where WebGPU has an adapter for
// it (on the CPU our C++ forward is faster than ORT's WASM backend, and ORT's 26 MB are then
// never downloaded). options.ort: true forces it (the parity test), false rules it out.
async function ortWanted(options) {
  if (options.ort === true || options.ort === false) return options.ort;
  return webgpuForOrt(options.ortWebgpu);
}

// z and the 46 parameters by ONNX Runtime, checked against our C++ forward at the same z.
// ex: {reference, input}, the excerpts Φ and Ψ see (itoPrepare).
async function ortPrediction(ex, ortThreads, ortWebgpu) {
  const s = await ortSessions(ortThreads, ortWebgpu);
  if (s.error) return { backend: 'C++ (WASM)', error: s.error };
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

// The page's target settings -> itoPrepare/master options: {blend (with the second
// reference), crestDb, widthScale, tiltDb, toneDb: [6], relativeToMaster (adjust from the
// current master's features instead of the reference's)}.
function targetOptions(t) {
  const o = {};
  if (t.blend > 0) {
    if (!tracks.reference2) throw new Error('load a second reference to blend with');
    o.reference2 = tracks.reference2;
    o.blend = t.blend;
  }
  for (const k of ['crestDb', 'widthScale', 'tiltDb']) if (typeof t[k] === 'number') o[k] = t[k];
  if (Array.isArray(t.toneDb) || ArrayBuffer.isView(t.toneDb)) o.toneDb = Array.from(t.toneDb);
  if (t.relativeToMaster) {
    if (!output) throw new Error('master once before adjusting relative to the master');
    o.base = output;
  }
  return o;
}

// A master with a learned model, one ITO step at a time (wasm/app/ito_session_api.cpp):
// ONNX Runtime runs Φ and Ψ's first prediction (white-box), each update step's backward to
// z runs on the GPU when there is one, and the stop button works between steps.
async function modelMaster(kind, opts, options, onProgress) {
  // White-box: the chain and ITO at the master's rate, Φ and Ψ on the 44.1 kHz copies.
  // Black-box's waveform is Ψ's: all at 44.1 kHz.
  const rate = kind === 'white-box' ? tracks.input.rate : 44100;
  const mix = rate === tracks.input.rate ? tracks.input : tracks.input44;
  const { left: il, right: ir } = mix, { left: rl, right: rr } = referenceAt(rate);
  const copies = rate !== 44100 ? { input44: tracks.input44, reference44: tracks.reference } : {};
  // A refine's step on Θ starts from the parameters the user has now, when they score better.
  const refine = kind === 'white-box' && options.refine && lastZ;
  const startParams = refine && lastParams ? Float32Array.from(lastParams) : null;
  const phases = { prepareMs: 0, startMs: 0, finishMs: 0 };  // where the time goes (bench_browser)
  let t0 = performance.now();
  const prep = check(engine.itoPrepare(il, ir, rl, rr, { ...opts, kind, startParams, sampleRate: rate, ...copies }));
  phases.prepareMs = performance.now() - t0;
  let inference = null, zInit = null;
  if (refine) {
    zInit = lastZ;
  } else if (kind === 'white-box' && await ortWanted(options)) {
    inference = await ortPrediction(prep, options.ortThreads, options.ortWebgpu);
    if (inference.z) zInit = inference.z;
  } else if (kind === 'white-box') {
    inference = { backend: 'C++ (WASM)' };  // itoStart runs Φ itself
  }
  t0 = performance.now();
  check(engine.itoStart(zInit));
  phases.startMs = performance.now() - t0;
  // options.gpuBackward: false (never), 'always' (tests, benchmarks) or anything else (auto:
  // a hardware adapter, unless its first backward pass is slower than the C++ forward pass
  // of that step, when the C++ backward is the faster one).
  let gpu = null, gpuError = null;
  if (kind === 'white-box' && options.gpuBackward !== false) {
    const g = await gpuBackward();
    gpu = g.gpu || null;
    gpuError = g.error || null;
    if (gpu && gpu.isFallback && options.gpuBackward !== 'always') {
      gpuError = `WebGPU's adapter (${gpu.adapterName}) is a software one: the C++ backward is faster`;
      gpu = null;
    }
  }
  const adaptive = options.gpuBackward !== 'always';
  let gpuUsed = false;
  // forwardMs: in itoNext (with the C++ backward, the whole step); backwardMs: on the GPU.
  const timing = { evaluations: 0, forwardMs: 0, gpuBackwards: 0, backwardMs: 0 };
  let maxSteps = 0;  // both phases' budget, from the engine
  for (;;) {
    let t = performance.now();
    let s = check(engine.itoNext(!!gpu));
    const forwardMs = performance.now() - t;
    timing.forwardMs += forwardMs;
    timing.evaluations += 1;
    if (s.needsGradient) {
      t = performance.now();
      try {
        s = check(engine.itoReportGradient(await gpu.backwardZ(s.tape, s.gParams)));
        gpuUsed = true;
        timing.gpuBackwards += 1;
        const gpuMs = performance.now() - t;
        if (adaptive && gpuMs > forwardMs) {
          gpuError = `WebGPU (${gpu.adapterName}) took ${gpuMs.toFixed(0)} ms for a backward pass, the C++ ` +
                     `forward ${forwardMs.toFixed(0)} ms: the C++ backward is faster here`;
          gpu = null;
        }
      } catch (e) {  // the C++ backward takes over for this and every later step
        gpuError = `the GPU backward failed (${e.message || e})`;
        self.postMessage({ warning: gpuError });
        gpu = null;
        s = check(engine.itoCpuGradient());
      }
      timing.backwardMs += performance.now() - t;
    }
    if (!onProgress(s.step, s.loss, s.bestLoss, s.maxSteps) && !s.done) s = check(engine.itoStop());
    maxSteps = s.maxSteps;
    if (s.done) break;
    await new Promise((resolve) => setTimeout(resolve, 0));  // let a 'stop' message in
  }
  t0 = performance.now();
  const r = check(engine.itoFinish());
  phases.finishMs = performance.now() - t0;
  if (kind === 'white-box') lastZ = r.bestZ, lastParams = Array.from(r.params);
  r.sampleRate = rate;
  const backward = gpu ? `WebGPU (${gpu.adapterName})` : gpuUsed ? 'C++ (WASM) after a WebGPU trial' : 'C++ (WASM)';
  return { r, extra: { maxSteps,
    inference: inference && { backend: inference.backend, phiMs: inference.phiMs, psiMs: inference.psiMs,
                              parity: inference.parity, error: inference.error },
    ito: { backward, gpuError, evaluations: timing.evaluations, gpuBackwards: timing.gpuBackwards,
           forwardMs: timing.forwardMs, backwardMs: timing.backwardMs,
           stepMs: (timing.forwardMs + timing.backwardMs) / Math.max(1, timing.evaluations), ...phases } } };
}

// A master (the 'master' operation, one at a time). When the model asked for could not be
// loaded, ITO on the settings (Θ) runs instead and summary.fallback says why.
async function masterOp(options, id) {
  if (!tracks.input || !tracks.reference) throw new Error('load an input and a reference first');
  // (The page clears the stop flag before it asks: clearing it here would lose a Stop
  // pressed between the two.)
  stopRequested = false;
  let mode = options.mode === 'theta' ? 'theta' : options.mode === 'black-box' ? 'black-box' : 'white-box';
  let fallback = null;
  if (mode === 'white-box' && !model) fallback = modelError || 'the white-box model is not available';
  if (mode === 'black-box' && !(await blackBoxModel())) fallback = blackBoxError || 'the black-box model is not available';
  if (fallback) mode = 'theta';
  // Unset step budgets take the engine's defaults (wasm/master/model_defaults.h).
  const opts = { steps: options.steps ?? engine.defaults().steps, itoSteps: options.itoSteps, thetaSteps: options.thetaSteps,
                 targetLufs: options.targetLufs ?? null, ceilingDbtp: options.ceilingDbtp ?? -1,
                 // Clean-master controls (wasm/master/musical_prior.h, match_eq.h); unset: the engine's defaults.
                 character: options.character ?? engine.defaults().character, expertRanges: !!options.expertRanges,
                 ...(options.matchEqAmount != null ? { matchEqAmount: options.matchEqAmount } : {}),
                 // Per aspect, 0..1.5 of the way from the mix's own toward the reference's.
                 ...(options.amounts ? { amounts: options.amounts } : {}),
                 ...targetOptions(options.target || {}),
                 // The given settings instead of ITO (ITO on Θ only: an album's first-mix settings).
                 ...(mode === 'theta' && options.fixedParams ? { fixedParams: Float64Array.from(options.fixedParams),
                   ...(options.inputGainDb != null ? { inputGainDb: options.inputGainDb } : {}) } : {}) };
  const onProgress = (step, loss, bestLoss, maxSteps = opts.steps) => {
    self.postMessage({ id, progress: { step, loss, bestLoss, maxSteps } });
    return !stopRequested && !(stopFlag && Atomics.load(stopFlag, 0));
  };
  const t0 = performance.now();
  let r, extra = {};
  if (mode === 'theta') {
    const rate = tracks.input.rate, { left: il, right: ir } = tracks.input, { left: rl, right: rr } = referenceAt(rate);
    r = check(engine.master(il, ir, rl, rr, { ...opts, sampleRate: rate }, onProgress));
    r.sampleRate = rate;
    normalized = null;
  } else {
    ({ r, extra } = await modelMaster(mode, opts, options, onProgress));
    normalized = r.normalizedLeft ? { left: r.normalizedLeft, right: r.normalizedRight, rate: r.sampleRate } : null;
  }
  output = { left: r.left, right: r.right, rate: r.sampleRate };
  lastMaster = { inputGainDb: r.inputGainDb, targetLufs: r.targetLufs, ceilingDbtp: opts.ceilingDbtp,
                 matchEqDb: Array.from(r.matchEqDb || []), matchEqSideDb: Array.from(r.matchEqSideDb || []),
                 matchEqAmount: r.matchEqAmount ?? 0,
                 saturatorOn: !!r.saturatorOn, imagerOn: r.imagerOn !== false };
  const a = analysis(r.left, r.right, r.sampleRate);
  // The engine's summary whole (wasm/app/engine_shared.cpp, ito_session_api.cpp), without the
  // audio (sent apart), with what only the worker knows.
  const { left: _l, right: _r, normalizedLeft: _nl, normalizedRight: _nr, ...engineSummary } = r;
  const summary = { ...engineSummary, ...lastMaster, mode, seconds: (performance.now() - t0) / 1000,
    preview: !!r.preview, previewSeconds: r.preview ? r.left.length / r.sampleRate : null, maxSteps: opts.steps, fallback, ...extra };
  const left = r.left.slice(), right = r.right.slice();  // the worker keeps its own copy
  return [{ summary, analysis: a, left, right }, [left.buffer, right.buffer, ...transferablesOf(a)]];
}

// The master rendered again from its settings (the page's edits); unlimited: without the final
// limiter (peaks may exceed 0 dBFS).
function renderSettings({ params, inputGainDb, targetLufs, ceilingDbtp, matchEqAmount }, unlimited = false) {
  if (!tracks.input) throw new Error('load an input first');
  // A model master's parameters apply to the Fx-normalized input.
  const source = normalized || tracks.input;
  const m = lastMaster || {};
  if (matchEqAmount != null && lastMaster) lastMaster.matchEqAmount = matchEqAmount;
  const settings = { params, inputGainDb, saturatorOn: !!m.saturatorOn, matchEqDb: m.matchEqDb || [],
                     matchEqSideDb: m.matchEqSideDb || [], matchEqAmount: m.matchEqAmount ?? 0, unlimited,
                     sampleRate: source.rate };
  if (!settings.matchEqDb.length) delete settings.matchEqDb;
  if (!settings.matchEqSideDb.length) delete settings.matchEqSideDb;
  return { ...check(engine.render(source.left, source.right, settings, targetLufs, ceilingDbtp)), rate: source.rate };
}

function renderOp(args) {
  const r = renderSettings(args);
  if (normalized && lastZ) lastParams = Array.from(args.params);  // a refine starts from the user's edits
  output = { left: r.left, right: r.right, rate: r.rate };
  const a = analysis(r.left, r.right, r.rate);
  const left = r.left.slice(), right = r.right.slice();
  return [{ analysis: a, left, right, rate: r.rate }, [left.buffer, right.buffer, ...transferablesOf(a)]];
}

function check(result) {
  if (result && result.error) throw new Error(result.error);
  return result;
}

// The reference at `rate`: the page decodes it at 44.1 kHz and resamples it to the input's rate.
function referenceAt(rate) {
  if (rate === 44100) return tracks.reference;
  if (!tracks.referenceAtRate || tracks.referenceAtRate.rate !== rate) {
    throw new Error(`the reference at ${rate / 1000} kHz is missing: load the reference again`);
  }
  return tracks.referenceAtRate;
}

function analysis(left, right, rate = 44100) {
  const a = check(engine.analyzeTrack(left, right, rate));
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
    return [{ table: engine.paramTable(), model, modelError, threads: engine.threads() }, []];
  },
  // kind: input, reference, reference2, or (no analysis) input44 and referenceAtRate, the
  // copies at the other rate when the input is not at 44.1 kHz; rate: 44.1 to 192 kHz.
  load({ kind, left, right, rate = 44100 }) {
    // (The page waits for a master to end before it loads: a model master would otherwise
    // finish with the old pair after this.)
    if (mastering) throw new Error('a master is running: stop it before loading a file');
    if (kind === 'input44' || kind === 'referenceAtRate') {
      tracks[kind] = { left, right, rate };
      return [null, []];
    }
    if (!['input', 'reference', 'reference2'].includes(kind)) throw new Error(`cannot load into "${kind}"`);
    const a = analysis(left, right, rate);
    tracks[kind] = { left, right, rate };
    if (kind === 'input') tracks.input44 = null;
    if (kind === 'input') { output = null; lastMaster = null; normalized = null; }
    if (kind !== 'reference2') lastZ = null, lastParams = null;  // refine starts over for another pair
    return [a, transferablesOf(a)];
  },
  // options.mode: 'white-box' (the learned model + ITO on z; default when it loaded),
  // 'black-box' (a preview of the loudest 15 s) or 'theta' (ITO on the settings, Θ).
  // options.target: other ITO targets (a second reference, feature adjustments; see
  // targetOptions). options.refine: white-box ITO starts from the last master's best z.
  async master({ options }, id) {
    if (mastering) throw new Error('already mastering');
    mastering = true;
    try {
      return await masterOp(options, id);
    } finally {
      mastering = false;
    }
  },
  // matchEqAmount: the Match EQ slider (default: the last master's); the curve and the
  // saturator's switch are the last master's.
  render({ params, inputGainDb, targetLufs, ceilingDbtp, matchEqAmount }) {
    if (mastering) throw new Error('a master is running: render when it is done');
    return renderOp({ params, inputGainDb, targetLufs, ceilingDbtp, matchEqAmount });
  },
  stop() { stopRequested = true; return [true, []]; },
  // depth: '16' (dithered), '24' (default) or '32f'. unlimited (with the master's settings, as
  // render takes them): the master rendered again without the final limiter, in 32-bit float.
  // channels: 1 (a mono input's master) or 2.
  exportWav({ depth = '24', unlimited = null, channels = 2 } = {}) {
    if (!output) throw new Error('nothing to export: master first');
    const audio = unlimited ? renderSettings(unlimited, true) : output;
    const bytes = check(engine.encodeWav(audio.left, audio.right, unlimited ? '32f' : String(depth), channels === 1 ? 1 : 2,
                                         audio.rate));
    return [bytes, [bytes.buffer]];
  },
  formatParam({ index, value }) { return [engine.formatParam(index, value), []]; },
  report(info) { return [check(engine.reportHtml(info)), []]; },
  loudness({ left, right, rate = 44100 }) { return [engine.integratedLufs(left, right, rate), []]; },
};

self.onmessage = async (e) => {
  const { id, op, args } = e.data;
  try {
    await ready;
    if (!ops[op]) throw new Error(`unknown operation ${op}`);
    const [result, transfer] = await ops[op](args || {}, id);
    self.postMessage({ id, ok: true, result }, transfer);
  } catch (err) {
    let error = String(err && err.message ? err.message : err);
    // Out of memory (the engine's std::bad_alloc, or a typed array too large): said plainly.
    if (/bad_alloc|out of memory|allocation failed|Invalid typed array length|Array buffer allocation/i.test(error)) {
      error = `out of memory (${error}): a browser tab holds a few GB; try a shorter track`;
    }
    // A WASM trap aborts the module for good: the page starts a fresh worker.
    const fatal = err instanceof WebAssembly.RuntimeError || /Aborted\(/.test(error);
    self.postMessage({ id, ok: false, error, fatal });
  }
};
