// Page glue: loads the UI module (Dear ImGui on the canvas) and the engine worker,
// decodes and resamples audio, plays it back (A/B/C, matched loudness, loop), and
// exposes window.studio (web/README.md). Nothing here talks to anything but this origin.
/* global createStudio */
const SR = 44100;
const KINDS = ['input', 'reference', 'output'];
const MAX_SECONDS = 30 * 60;

const $ = (sel) => document.querySelector(sel);
const state = {
  tracks: { input: null, reference: null, output: null },  // {buffer: AudioBuffer, analysis, name}
  reference2: null,  // {buffer, analysis, name}: a second reference for blended ITO targets
  params: null, initialParams: null, summary: null,
  inputGainDb: 0, targetLufs: null, ceilingDbtp: -1,
  busy: false, error: null, status: '', backend: 'WASM SIMD (Web Worker)',
  paramTable: null, model: null,
  // itoSteps, thetaSteps: unset until the UI sends them, the engine's defaults meanwhile.
  settings: { mode: 'white-box', targetLufs: null, ceilingDbtp: -1 },
};

// ---------------------------------------------------------------------------- UI module
let ui = null;  // the page's instance of the module (null until up, or without the UI)
function uiCall(name, types, args) {
  if (!ui || typeof ui['_' + name] !== 'function') return;
  try { ui.ccall(name, null, types, args); } catch (e) { console.warn('ui', name, e); }
}
function withHeap(arrays, fn) {  // copies typed arrays into the UI module's heap for one call
  const ptrs = arrays.map((a) => {
    if (!a) return 0;
    const p = ui._malloc(a.byteLength);
    (a instanceof Float64Array ? ui.HEAPF64 : ui.HEAPF32).set(a, p / a.BYTES_PER_ELEMENT);
    return p;
  });
  try { fn(ptrs); } finally { ptrs.forEach((p) => p && ui._free(p)); }
}
function uiStatus(text, isError = false) {
  state.status = text;
  $('#status').textContent = text;
  $('#status').className = isError ? 'error' : '';
  uiCall('ui_set_status', ['string', 'number'], [text, isError ? 1 : 0]);
}
function uiBusy(busy) {
  state.busy = busy;
  document.body.classList.toggle('busy', busy);
  uiCall('ui_set_busy', ['number'], [busy ? 1 : 0]);
}
function uiTrack(kind) {
  const t = state.tracks[kind];
  const k = KINDS.indexOf(kind);
  if (!ui || !ui._ui_set_track) return;
  if (!t) { uiCall('ui_clear_track', ['number'], [k]); return; }
  const a = t.analysis;
  const metrics = JSON.stringify({ ...a.metrics, shortTermLufs: Array.from(a.shortTermLufs) });
  withHeap([a.waveform.min, a.waveform.max, a.spectrum], ([mn, mx, sp]) => {
    uiCall('ui_set_track', ['number', 'number', 'number', 'number', 'number', 'number', 'string', 'number'],
      [k, mn, mx, a.waveform.min.length, sp, a.spectrum.length, metrics, t.buffer.duration]);
  });
}
function uiParams() {
  if (!ui || !ui._ui_set_params || !state.params) return;
  withHeap([Float64Array.from(state.params), state.initialParams && Float64Array.from(state.initialParams)],
    ([cur, init]) => uiCall('ui_set_params', ['number', 'number'], [cur, init]));
  if (ui._ui_set_chain_extras && state.matchEq && state.matchEq.db.length === 31)
    withHeap([Float64Array.from(state.matchEq.db), Float64Array.from(state.matchEq.sideDb)], ([db, side]) =>
      uiCall('ui_set_chain_extras', ['number', 'number', 'number', 'number'],
        [db, state.matchEq.sideDb.length === 31 ? side : 0, state.matchEq.amount, state.saturatorOn ? 1 : 0]));
}
function uiProgress(step, maxSteps, loss, best, running) {
  uiCall('ui_set_progress', ['number', 'number', 'number', 'number', 'number'],
    [step, maxSteps, loss, best, running ? 1 : 0]);
  $('#progress').textContent = running ? `ITO step ${step}/${maxSteps}  loss ${loss.toFixed(4)}  best ${best.toFixed(4)}` : '';
}

// ------------------------------------------------------------------------------- worker
let worker, nextId = 1, stopBuffer = null;
const pending = new Map();
function startWorker() {
  worker = new Worker('worker.js');
  worker.onmessage = (e) => {
    const m = e.data, p = pending.get(m.id);
    if (m.warning) { console.warn(m.warning); return; }
    if (!p) return;
    if (m.progress) { p.onProgress && p.onProgress(m.progress); return; }
    pending.delete(m.id);
    m.ok ? p.resolve(m.result) : p.reject(new Error(m.error));
  };
  worker.onerror = (e) => console.error('worker error', e.message);
  stopBuffer = self.crossOriginIsolated ? new SharedArrayBuffer(4) : null;
  return call('init', { stop: stopBuffer });
}
function call(op, args, transfer = [], onProgress = null) {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject, onProgress });
    worker.postMessage({ id, op, args }, transfer);
  });
}
function channels(buffer) {
  return { left: buffer.getChannelData(0).slice(), right: buffer.getChannelData(1).slice() };
}
// Stops a running master: through shared memory when the page is cross-origin isolated,
// otherwise by restarting the worker (the page still holds every track).
async function stopMaster() {
  if (stopBuffer) { Atomics.store(new Int32Array(stopBuffer), 0, 1); return; }
  worker.terminate();
  for (const [, p] of pending) p.reject(new Error('stopped'));
  pending.clear();
  await startWorker();
  for (const kind of ['input', 'reference', 'reference2']) {
    const t = kind === 'reference2' ? state.reference2 : state.tracks[kind];
    if (t) { const c = channels(t.buffer); await call('load', { kind, ...c }, [c.left.buffer, c.right.buffer]); }
  }
  if (state.tracks.output) await rerender();
}

// ------------------------------------------------------------------- decode and resample
async function decodeStereo44k(bytes, name) {
  let decoded;
  try {
    const ctx = new OfflineAudioContext(2, 1, SR);  // decodeAudioData resamples to 44.1 kHz
    decoded = await ctx.decodeAudioData(bytes);
  } catch (e) {
    throw new Error(`Could not decode "${name}": not a readable audio file (WAV, FLAC, OGG, MP3)`);
  }
  if (decoded.duration < 0.5) throw new Error(`"${name}" is shorter than 0.5 s`);
  if (decoded.duration > MAX_SECONDS) throw new Error(`"${name}" is longer than 30 minutes`);
  if (decoded.numberOfChannels > 2) throw new Error(`"${name}" has more than two channels`);
  // Up-mix mono (speaker rules: L = R = mono) and land on exactly two channels at 44.1 kHz.
  const off = new OfflineAudioContext(2, Math.round(decoded.duration * SR), SR);
  const src = off.createBufferSource();
  src.buffer = decoded;
  src.connect(off.destination);
  src.start();
  const out = await off.startRendering();
  for (let c = 0; c < 2; ++c) {
    const d = out.getChannelData(c);
    for (let i = 0; i < d.length; ++i) if (!Number.isFinite(d[i])) throw new Error(`"${name}" holds invalid samples`);
  }
  return out;
}
function bufferFrom(left, right) {
  const b = new AudioBuffer({ numberOfChannels: 2, length: left.length, sampleRate: SR });
  b.copyToChannel(left, 0);
  b.copyToChannel(right, 1);
  return b;
}

async function toBytes(source) {
  if (source instanceof ArrayBuffer) return source.slice(0);
  if (ArrayBuffer.isView(source)) return source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength);
  if (source && typeof source.arrayBuffer === 'function') return source.arrayBuffer();
  throw new Error('expected a File, Blob or ArrayBuffer');
}

// Runs one user-visible job: busy flag, status line, errors into state.error.
async function job(label, fn) {
  uiBusy(true);
  state.error = null;
  uiStatus(label);
  try {
    const r = await fn();
    uiStatus('Ready');
    return r;
  } catch (e) {
    state.error = e.message || String(e);
    uiStatus(state.error, true);
    throw e;
  } finally {
    uiBusy(false);
  }
}

async function loadTrack(kind, source, name) {
  if (kind !== 'input' && kind !== 'reference' && kind !== 'reference2') throw new Error(`cannot load into "${kind}"`);
  return job(`Decoding ${name}...`, async () => {
    const buffer = await decodeStereo44k(await toBytes(source), name);
    uiStatus(`Analyzing ${name}...`);
    const c = channels(buffer);
    const analysis = await call('load', { kind, ...c }, [c.left.buffer, c.right.buffer]);
    if (kind === 'reference2') {  // only a blend target: no waveform view of its own
      state.reference2 = { buffer, analysis, name };
      uiCall('ui_set_reference2', ['string'], [`${name} (${analysis.metrics.lufs.toFixed(1)} LUFS)`]);
      return { metrics: { ...analysis.metrics }, seconds: buffer.duration };
    }
    state.tracks[kind] = { buffer, analysis, name };
    if (kind === 'input') {
      state.tracks.output = null; state.params = null; state.initialParams = null; state.summary = null;
      uiTrack('output');
      uiCall('ui_clear_params', [], []);
    }
    uiTrack(kind);
    updateHtml();
    return summaryOf(kind);
  });
}

async function loadDemo() {
  return job('Loading the demo pair...', async () => {
    const [inp, ref] = await Promise.all(['demo/input.ogg', 'demo/reference.ogg'].map(async (u) => {
      const r = await fetch(u);
      if (!r.ok) throw new Error(`demo clip ${u} is missing (${r.status})`);
      return r.arrayBuffer();
    }));
    state.busy = false;
    await loadTrack('input', inp, 'demo input (enigma-data)');
    await loadTrack('reference', ref, 'demo reference (amoebax-data)');
  });
}

async function master(options = {}) {
  if (!state.tracks.input || !state.tracks.reference) throw new Error('load an input and a reference first');
  const opts = { ...state.settings, ...options };
  return job('Mastering (ITO)...', async () => {
    const r = await call('master', { options: opts }, [], (p) => {
      uiProgress(p.step, p.maxSteps, p.loss, p.bestLoss, true);
    });
    uiProgress(r.summary.steps, r.summary.maxSteps, r.summary.bestLoss,
      r.summary.bestLoss, false);
    state.summary = r.summary;
    const inf = r.summary.inference, ito = r.summary.ito;
    if (inf) {
      state.inference = inf;
      if (inf.error) console.warn(`ONNX Runtime Web unavailable (${inf.error}); the C++ forward ran instead`);
    }
    if (inf || ito) {
      // The UI's backend line names what ran Φ and Ψ and Ψ's backward, and how long they took.
      const parts = [state.backend];
      const ms = inf && !inf.error && inf.phiMs !== undefined ? ` (${Math.round(inf.phiMs + inf.psiMs)} ms)` : '';
      if (inf) parts.push(`Φ/Ψ: ${inf.backend}${ms}`);
      if (ito) parts.push(`ITO backward: ${ito.backward} (${Math.round(ito.stepMs)} ms/step)`);
      uiCall('ui_set_backend', ['string'], [parts.join('; ')]);
    }
    if (r.summary.mode === 'black-box') {  // the network rendered the audio: no settings to edit
      state.params = null;
      state.initialParams = null;
      uiCall('ui_clear_params', [], []);
      uiStatus(`Black-box preview: the loudest ${r.summary.previewSeconds.toFixed(0)} s of the input`);
    } else {
      state.params = Array.from(r.summary.params);
      state.initialParams = Array.from(r.summary.initialParams);
      state.matchEq = { db: Array.from(r.summary.matchEqDb || []), sideDb: Array.from(r.summary.matchEqSideDb || []),
        amount: r.summary.matchEqAmount ?? 0 };
      state.saturatorOn = !!r.summary.saturatorOn;
    }
    state.inputGainDb = r.summary.inputGainDb;
    state.targetLufs = r.summary.targetLufs;
    state.ceilingDbtp = r.summary.ceilingDbtp;
    state.tracks.output = { buffer: bufferFrom(r.left, r.right), analysis: r.analysis, name: 'master' };
    uiTrack('output');
    uiParams();
    updateHtml();
    return { ...summaryOf('output'), mode: r.summary.mode, inference: r.summary.inference || null,
      ito: r.summary.ito || null, preview: r.summary.preview, previewSeconds: r.summary.previewSeconds, lossCurve: Array.from(r.summary.lossCurve),
      steps: r.summary.steps, maxSteps: r.summary.maxSteps, stop: r.summary.stop,
      zSteps: r.summary.zSteps ?? null, zBestLoss: r.summary.zBestLoss ?? null, polish: r.summary.polish ?? null,
      initialLoss: r.summary.initialLoss, bestLoss: r.summary.bestLoss, seconds: r.summary.seconds,
      targetLufs: r.summary.targetLufs, inputGainDb: r.summary.inputGainDb,
      matchEqDb: r.summary.matchEqDb ? Array.from(r.summary.matchEqDb) : null,
      matchEqSideDb: r.summary.matchEqSideDb ? Array.from(r.summary.matchEqSideDb) : null,
      matchEqAmount: r.summary.matchEqAmount ?? null, saturatorOn: r.summary.saturatorOn ?? null };
  });
}

async function rerender() {
  const r = await call('render', { params: Float64Array.from(state.params), inputGainDb: state.inputGainDb,
    targetLufs: state.targetLufs, ceilingDbtp: state.ceilingDbtp, matchEqAmount: state.settings.matchEqAmount });
  state.tracks.output = { buffer: bufferFrom(r.left, r.right), analysis: r.analysis, name: 'master' };
  uiTrack('output');
  updateHtml();
  return summaryOf('output');
}

async function setParam(index, value) {
  if (!state.params) throw new Error('master first: there are no parameters to edit');
  if (!(index >= 0 && index < state.params.length)) throw new Error(`no parameter ${index}`);
  state.params[index] = Math.min(1, Math.max(0, Number(value)));
  uiParams();
  return job('Rendering...', rerender);
}

function exportParams() {
  if (!state.params) throw new Error('master first');
  const table = state.paramTable || [];
  return JSON.stringify({
    format: 'itomaster-params', version: 1, inputGainDb: state.inputGainDb, targetLufs: state.targetLufs,
    ceilingDbtp: state.ceilingDbtp,
    params: state.params.map((p, i) => ({ id: table[i] ? table[i].id : String(i), normalized: p,
      value: table[i] ? table[i].min + p * (table[i].max - table[i].min) : null, unit: table[i] ? table[i].unit : '' })),
  }, null, 2);
}

async function importParams(json) {
  const obj = typeof json === 'string' ? JSON.parse(json) : json;
  const list = Array.isArray(obj) ? obj : obj.params;
  if (!Array.isArray(list) || list.length !== 46) throw new Error('settings need 46 parameters');
  const table = state.paramTable || [];
  const values = list.map((p, i) => {
    if (typeof p === 'number') return p;
    if (p && typeof p.normalized === 'number') return p.normalized;
    if (p && typeof p.value === 'number' && table[i]) return (p.value - table[i].min) / (table[i].max - table[i].min);
    throw new Error(`parameter ${i} is not a number`);
  }).map((v) => Math.min(1, Math.max(0, v)));
  if (!state.tracks.input) throw new Error('load an input first');
  state.params = values;
  if (!state.initialParams) state.initialParams = values.slice();
  if (typeof obj.inputGainDb === 'number') state.inputGainDb = obj.inputGainDb;
  if (typeof obj.targetLufs === 'number') state.targetLufs = obj.targetLufs;
  if (typeof obj.ceilingDbtp === 'number') state.ceilingDbtp = obj.ceilingDbtp;
  if (state.targetLufs == null) {
    state.targetLufs = state.tracks.reference ? state.tracks.reference.analysis.metrics.lufs : -14;
  }
  uiParams();
  return job('Rendering...', rerender);
}

async function exportWav() {
  return call('exportWav', {});
}

function summaryOf(kind) {
  const t = state.tracks[kind];
  return t ? { metrics: { ...t.analysis.metrics }, seconds: t.buffer.duration } : null;
}

// ----------------------------------------------------------------------------- playback
const player = { ctx: null, source: null, gain: null, which: 'input', playing: false, startedAt: 0, offset: 0,
  match: false, loop: null };
function audioCtx() {
  if (!player.ctx) {
    player.ctx = new AudioContext({ sampleRate: SR });
    player.gain = player.ctx.createGain();
    player.gain.connect(player.ctx.destination);
  }
  return player.ctx;
}
function position() {
  if (!player.playing) return player.offset;
  const t = state.tracks[player.which];
  let pos = player.offset + (player.ctx.currentTime - player.startedAt);
  if (player.loop && pos > player.loop.end) {
    const len = player.loop.end - player.loop.start;
    pos = player.loop.start + ((pos - player.loop.start) % len);
  }
  return t ? Math.min(pos, t.buffer.duration) : 0;
}
// Matched loudness: every track plays at the quietest loaded track's loudness.
function matchedGain(kind) {
  if (!player.match) return 1;
  const loaded = KINDS.map((k) => state.tracks[k]).filter(Boolean).map((t) => t.analysis.metrics.lufs);
  const t = state.tracks[kind];
  if (!t) return 1;
  return Math.pow(10, (Math.min(...loaded) - t.analysis.metrics.lufs) / 20);
}
function play(at = position()) {
  const t = state.tracks[player.which];
  if (!t) return;
  stopSource();
  const ctx = audioCtx();
  ctx.resume();
  const src = ctx.createBufferSource();
  src.buffer = t.buffer;
  if (player.loop) { src.loop = true; src.loopStart = player.loop.start; src.loopEnd = player.loop.end; }
  src.connect(player.gain);
  player.gain.gain.value = matchedGain(player.which);
  let start = Math.min(Math.max(0, at), t.buffer.duration);
  // With a loop set, playback stays inside it: from outside, it starts at the loop's start.
  if (player.loop && (start < player.loop.start || start >= player.loop.end)) start = player.loop.start;
  src.start(0, start);
  src.onended = () => { if (player.source === src) { player.playing = false; player.offset = 0; } };
  player.source = src; player.playing = true; player.startedAt = ctx.currentTime; player.offset = start;
}
function stopSource() {
  if (player.source) { const s = player.source; player.source = null; try { s.stop(); } catch (e) { /* */ } }
}
function pause() { player.offset = position(); player.playing = false; stopSource(); }
function select(which) {
  if (!KINDS.includes(which)) return;
  const pos = position();
  player.which = which;
  if (player.playing) play(pos); else player.offset = pos;
}
function playbackTick() {
  const t = state.tracks[player.which];
  uiCall('ui_set_playback', ['number', 'number', 'number', 'number'],
    [position(), t ? t.buffer.duration : 0, player.playing ? 1 : 0, KINDS.indexOf(player.which)]);
  requestAnimationFrame(playbackTick);
}

// ------------------------------------------------------------------ files, drag and drop
const fileInputs = { input: $('#file-input'), reference: $('#file-reference'), reference2: $('#file-reference2'),
  params: $('#file-params') };
for (const kind of ['input', 'reference', 'reference2']) {
  fileInputs[kind].addEventListener('change', () => {
    const f = fileInputs[kind].files[0];
    fileInputs[kind].value = '';
    if (f) loadTrack(kind, f, f.name).catch(() => {});
  });
}
fileInputs.params.addEventListener('change', async () => {
  const f = fileInputs.params.files[0];
  fileInputs.params.value = '';
  if (f) importParams(await f.text()).catch((e) => { state.error = e.message; uiStatus(e.message, true); });
});
window.addEventListener('dragover', (e) => { e.preventDefault(); });
window.addEventListener('drop', (e) => {
  e.preventDefault();
  const files = [...(e.dataTransfer ? e.dataTransfer.files : [])];
  // Dropped on the right half (or the second of two files): the reference.
  const right = e.clientX > window.innerWidth / 2;
  files.slice(0, 2).forEach((f, i) => {
    const kind = files.length === 2 ? (i === 0 ? 'input' : 'reference') : (right ? 'reference' : 'input');
    loadTrack(kind, f, f.name).catch(() => {});
  });
});
function download(bytes, name, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url; a.download = name;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ------------------------------------------------------------------------- UI actions
const swallow = () => {};
const actions = {
  load_demo: () => loadDemo().catch(swallow),
  open_file: ({ kind }) => fileInputs[kind] && fileInputs[kind].click(),
  master: ({ options }) => master(options || {}).catch(swallow),
  stop: () => stopMaster().catch(swallow),
  param: ({ index, value }) => setParam(index, value).catch(swallow),
  reset_params: ({ values }) => { if (values) importParams({ params: values }).catch(swallow); },
  play: () => play(),
  pause: () => pause(),
  seek: ({ t }) => { if (player.playing) play(t); else player.offset = t; },
  select: ({ which }) => select(which),
  match_loudness: ({ on }) => { player.match = !!on; if (player.gain) player.gain.gain.value = matchedGain(player.which); },
  loop: ({ start, end }) => {
    player.loop = (typeof start === 'number' && typeof end === 'number' && end - start > 0.05) ? { start, end } : null;
    if (player.playing) play();
  },
  export_wav: () => exportWav().then((b) => download(b, 'master.wav', 'audio/wav')).catch((e) => uiStatus(e.message, true)),
  export_params: () => { try { download(exportParams(), 'master-settings.json', 'application/json'); } catch (e) { uiStatus(e.message, true); } },
  import_params: () => fileInputs.params.click(),
  settings: (s) => {
    for (const k of ['mode', 'steps', 'itoSteps', 'thetaSteps', 'targetLufs', 'ceilingDbtp', 'matchEqAmount',
      'character', 'expertRanges']) if (k in s) state.settings[k] = s[k];
  },
  match_eq: ({ amount }) => {
    state.settings.matchEqAmount = amount;
    if (state.matchEq) { state.matchEq.amount = amount; uiParams(); }
    if (state.tracks.output && state.params) job('Rendering...', rerender).catch((e) => uiStatus(e.message, true));
  },
  ui_error: ({ message }) => { state.error = message; uiStatus(message, true); },
};
function onUiAction(name, json) {
  let args = {};
  try { args = json ? JSON.parse(json) : {}; } catch (e) { /* no args */ }
  const fn = actions[name];
  if (fn) fn(args); else console.warn('unknown UI action', name);
}

// ------------------------------------------------------ plain HTML controls (fallback)
function updateHtml() {
  const fmt = (k) => {
    const t = state.tracks[k];
    return t ? `${k}: ${t.analysis.metrics.lufs.toFixed(1)} LUFS, ${t.analysis.metrics.truePeakDbtp.toFixed(1)} dBTP, ${t.buffer.duration.toFixed(1)} s`
      : `${k}: -`;
  };
  $('#summary').textContent = KINDS.map(fmt).join('   |   ');
}
$('#btn-demo').addEventListener('click', () => actions.load_demo());
$('#btn-input').addEventListener('click', () => actions.open_file({ kind: 'input' }));
$('#btn-reference').addEventListener('click', () => actions.open_file({ kind: 'reference' }));
$('#btn-master').addEventListener('click', () => actions.master({}));
$('#btn-export').addEventListener('click', () => actions.export_wav());
$('#btn-about').addEventListener('click', () => { $('#about').hidden = !$('#about').hidden; });

// ------------------------------------------------------------------------------ startup
async function start() {
  const workerUp = startWorker().then((r) => { state.paramTable = r.table; state.model = r.model || null; });
  let uiUp = Promise.resolve();
  const canvas = $('#canvas');
  const hasUi = await fetch('ui.txt').then((r) => (r.ok ? r.text() : 'OFF')).catch(() => 'OFF');
  if (hasUi.trim() === 'ON') {
    uiUp = createStudio({ canvas, locateFile: (f) => f, onUiAction,
      print: (t) => console.log(t), printErr: (t) => console.warn(t) }).then((m) => {
      ui = m;
      m.onUiAction = onUiAction;
      m.callMain([]);
      document.body.classList.add('has-ui');
    });
  }
  await Promise.all([workerUp, uiUp]);
  const about = await fetch('ATTRIBUTION').then((r) => (r.ok ? r.text() : '')).catch(() => '');
  $('#about-text').textContent = about;
  uiCall('ui_set_about', ['string'], [about]);
  state.backend = `WASM SIMD in a Web Worker${ui ? ', Dear ImGui UI (WebGL 2)' : ', HTML controls'}`;
  uiCall('ui_set_backend', ['string'], [state.backend]);
  uiStatus('Ready: load a mix and a reference, or the demo pair');
  requestAnimationFrame(playbackTick);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('sw.js').catch((e) => console.warn('service worker:', e.message));
    // Once installed (the app and the default model), the rest of the app is cached in the
    // background, so everything works offline later (web/sw.js).
    offlineReady = navigator.serviceWorker.ready.then((reg) => new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (e) => resolve(e.data === true);
      reg.active.postMessage({ type: 'cache-rest' }, [channel.port2]);
    }));
  }
}

// Resolves true once the whole app is cached for offline use (false without a service worker).
let offlineReady = Promise.resolve(false);

const ready = start();
window.studio = {
  ready,
  load: (kind, source) => loadTrack(kind, source, source && source.name ? source.name : kind),
  loadDemo,
  offlineReady: () => offlineReady,
  master,
  stop: stopMaster,
  setParam,
  exportWav,
  exportParams,
  importParams,
  // Integrated loudness (LUFS) of planar 44.1 kHz stereo, by the engine (tests use it).
  loudness: (left, right) => call('loudness', { left: Float32Array.from(left), right: Float32Array.from(right) }),
  state: () => ({
    input: summaryOf('input'), reference: summaryOf('reference'), output: summaryOf('output'),
    params: state.params ? state.params.slice() : null, busy: state.busy, error: state.error,
    status: state.status, backend: state.backend, model: state.model, mode: state.summary ? state.summary.mode : null,
    inference: state.inference || null,
    playback: { which: player.which, playing: player.playing, position: position(), matchLoudness: player.match,
      gain: player.gain ? player.gain.gain.value : 1, loop: player.loop },
  }),
  // What a UI button does (the same action names as Module.onUiAction), for tests and scripts.
  uiAction: (name, args = {}) => onUiAction(name, JSON.stringify(args)),
};
