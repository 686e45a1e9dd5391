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
      uiCall('ui_set_chain_extras', ['number', 'number', 'number', 'number', 'number'],
        [db, state.matchEq.sideDb.length === 31 ? side : 0, state.matchEq.amount, state.saturatorOn ? 1 : 0,
          state.imagerOn === false ? 0 : 1]));
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
  // ?threads=N on the page caps the engine's threads (1: the single-threaded build).
  const threads = new URLSearchParams(self.location.search).get('threads');
  worker = new Worker(threads ? `worker.js?threads=${encodeURIComponent(threads)}` : 'worker.js');
  worker.onmessage = (e) => {
    const m = e.data, p = pending.get(m.id);
    if (m.warning) { console.warn(m.warning); return; }
    if (!p) return;
    if (m.progress) { p.onProgress && p.onProgress(m.progress); return; }
    pending.delete(m.id);
    m.ok ? p.resolve(m.result) : p.reject(new Error(m.error));
    // An engine that aborted (a WASM trap) answers every later call with an error: start a
    // fresh one, so the page keeps working with the tracks it holds.
    if (!m.ok && m.fatal) restartWorker(m.error).catch(() => {});
  };
  // An uncaught error in the worker (its script failed, or it died): the calls it will never
  // answer fail with a message instead of leaving the page busy for ever.
  worker.onerror = (e) => {
    e.preventDefault();
    const reason = `the engine stopped (${e.message || 'worker error'})`;
    if (workerReady && !restarting) { restartWorker(reason).catch(() => {}); return; }
    for (const [, p] of pending) p.reject(new Error(reason));  // it never came up: no retry
    pending.clear();
  };
  workerReady = false;
  stopBuffer = self.crossOriginIsolated ? new SharedArrayBuffer(4) : null;
  return call('init', { stop: stopBuffer }).then((r) => { workerReady = true; return r; });
}
let workerReady = false;
// Replaces the worker with a fresh one holding the page's tracks (and re-renders the master
// from its settings); the calls still pending on the old one are rejected with `reason`.
let restarting = null;
function restartWorker(reason) {
  if (restarting) return restarting;
  restarting = (async () => {
    worker.terminate();
    for (const [, p] of pending) p.reject(new Error(reason));
    pending.clear();
    await startWorker();
    for (const kind of ['input', 'reference', 'reference2']) {
      const t = kind === 'reference2' ? state.reference2 : state.tracks[kind];
      if (t) await sendTrack(kind, t.buffer);
    }
    if (state.tracks.input) state.workerInputRate = state.tracks.input.buffer.sampleRate;
    await sendRateCopies();
    if (state.tracks.output && state.params) await rerender();
  })().finally(() => { restarting = null; });
  return restarting;
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
// A track to the worker (its analysis comes back; none for the copies below).
function sendTrack(kind, buffer) {
  const c = channels(buffer);
  return call('load', { kind, ...c, rate: buffer.sampleRate }, [c.left.buffer, c.right.buffer]);
}
// A mix at another rate than 44.1 kHz masters at its own: the worker also needs its 44.1 kHz
// copy (the models see it) and the reference at the mix's rate.
async function sendRateCopies() {
  const input = state.tracks.input, reference = state.tracks.reference;
  const rate = state.workerInputRate;
  if (!input || rate === SR) return;
  await sendTrack('input44', input.copy44 || await stereoAt(input.buffer, SR));
  if (reference) await sendTrack('referenceAtRate', await stereoAt(reference.buffer, rate));
}
// The master's rate is the mix's own unless the settings ask for another (masterRate): then the
// worker masters the mix resampled to it (the CLI's --output-rate).
async function useMasterRate(rate) {
  const input = state.tracks.input;
  if (!input || state.workerInputRate === rate) return;
  uiStatus(`Resampling the mix to ${rate / 1000} kHz...`);
  await sendTrack('input', rate === input.buffer.sampleRate ? input.buffer : await stereoAt(input.buffer, rate));
  state.workerInputRate = rate;
  await sendRateCopies();
}
// Stops a running master: through shared memory when the page is cross-origin isolated (the
// master ends at its next step with the best settings so far), otherwise by restarting the
// worker (the page still holds every track; that master's result is lost).
async function stopMaster() {
  if (!masterRun) { if (!state.busy) uiStatus('Nothing to stop'); return false; }
  masterRun.stopping = true;
  uiStatus('Stopping: the best settings so far will be kept...');
  if (stopBuffer) { Atomics.store(new Int32Array(stopBuffer), 0, 1); return true; }
  await restartWorker('Stopped: the master was cancelled');
  return true;
}

// ------------------------------------------------------------------- decode and resample
// The limits of what a browser tab can hold: a decoded track is 44.1 kHz stereo float32
// (10.6 MB a minute), held by the page, copied to the worker and into the engine.
const MAX_FILE_BYTES = 2 * 1024 ** 3;  // a file is read whole into memory before decoding
const MIN_SECONDS = 0.5;
const fmtSeconds = (t) => (t < 60 ? `${t.toFixed(1)} s`
  : t < 3600 ? `${Math.floor(t / 60)} min ${Math.round(t % 60)} s` : `${Math.floor(t / 3600)} h ${Math.round((t % 3600) / 60)} min`);
const fmtBytes = (n) => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GB` : `${(n / 1024 ** 2).toFixed(1)} MB`);
const tooLong = (name, seconds) =>
  new Error(`"${name}" is ${fmtSeconds(seconds)} long: the studio holds tracks of up to ${MAX_SECONDS / 60} minutes ` +
            '(the memory of a browser tab)');

// Duration, channels and sample rate from a file's header (WAV/RF64, FLAC, Ogg Vorbis/Opus,
// MP3), read before the file is decoded, so a track too long to hold is refused before its
// decoding takes the tab's memory. head/tail: DataViews of the file's first and last bytes.
// Returns {format, channels, sampleRate, seconds (null: unknown), atLeast (a lower bound)} or null.
function probeAudio(head, tail, size) {
  const str = (dv, o, n) => String.fromCharCode(...new Uint8Array(dv.buffer, dv.byteOffset + o, n));
  try {
    let o = 0;
    const tag = str(head, 0, 4);
    if (tag === 'RIFF' || tag === 'RF64') {
      if (str(head, 8, 4) !== 'WAVE') return null;
      let fmt = null, ds64 = null;
      for (o = 12; o + 8 <= head.byteLength;) {
        const id = str(head, o, 4), len = head.getUint32(o + 4, true);
        if (id === 'ds64') ds64 = head.getUint32(o + 16, true) + head.getUint32(o + 20, true) * 2 ** 32;
        if (id === 'fmt ') {
          fmt = { code: head.getUint16(o + 8, true), channels: head.getUint16(o + 10, true),
            rate: head.getUint32(o + 12, true), block: head.getUint16(o + 20, true) };
        }
        if (id === 'data') {
          if (!fmt || !fmt.rate || !fmt.block) return null;
          // A streamed WAV may declare more (0xFFFFFFFF) than the file holds: count what is there.
          const bytes = Math.min(len === 0xFFFFFFFF && ds64 !== null ? ds64 : len, size - o - 8);
          const pcm = [1, 3, 6, 7, 0xFFFE].includes(fmt.code);  // a frame is `block` bytes
          return { format: 'WAV', channels: fmt.channels, sampleRate: fmt.rate,
            seconds: pcm ? bytes / fmt.block / fmt.rate : null };
        }
        o += 8 + len + (len & 1);
      }
      return null;
    }
    if (tag.startsWith('ID3')) o = 10 + ((head.getUint8(6) << 21) | (head.getUint8(7) << 14) | (head.getUint8(8) << 7) | head.getUint8(9));
    if (o + 4 <= head.byteLength && str(head, o, 4) === 'fLaC') {  // STREAMINFO follows the marker
      const b = (i) => head.getUint8(o + 8 + i);
      const rate = (b(10) << 12) | (b(11) << 4) | (b(12) >> 4);
      const total = (b(13) & 0x0f) * 2 ** 32 + head.getUint32(o + 8 + 14);
      return { format: 'FLAC', channels: ((b(12) >> 1) & 7) + 1, sampleRate: rate, seconds: total && rate ? total / rate : null };
    }
    if (tag === 'OggS') {
      const body = 27 + head.getUint8(26);
      let rate, channels, preSkip = 0;
      if (str(head, body + 1, 6) === 'vorbis') {
        channels = head.getUint8(body + 11); rate = head.getUint32(body + 12, true);
      } else if (str(head, body, 8) === 'OpusHead') {
        channels = head.getUint8(body + 9); preSkip = head.getUint16(body + 10, true); rate = 48000;
      } else return null;
      // The last page's granule position counts the samples of the whole stream.
      let seconds = null;
      for (let i = tail.byteLength - 27; i >= 0; --i) {
        if (tail.getUint8(i) !== 0x4f || str(tail, i, 4) !== 'OggS') continue;
        const lo = tail.getUint32(i + 6, true), hi = tail.getUint32(i + 10, true);
        if (hi === 0xFFFFFFFF && lo === 0xFFFFFFFF) continue;  // a page where no packet ends
        seconds = Math.max(0, hi * 2 ** 32 + lo - preSkip) / rate;
        break;
      }
      return { format: 'Ogg', channels, sampleRate: rate, seconds };
    }
    // MP3: the first frame header (two frames in a row, near the start, so that other data
    // is not taken for one); its Xing/Info/VBRI header gives the frame count. Without one,
    // the size at the highest bit rate gives a lower bound of the duration.
    const frame = (at) => {
      if (at + 4 > head.byteLength) return null;
      const h = head.getUint32(at);
      const ver = (h >>> 19) & 3, layer = (h >>> 17) & 3, rateIdx = (h >>> 10) & 3, brIdx = (h >>> 12) & 15;
      if ((h >>> 21) !== 0x7ff || ver === 1 || layer !== 1 || rateIdx === 3 || brIdx === 0 || brIdx === 15) return null;  // Layer III only
      const mpeg1 = ver === 3;
      const kbps = (mpeg1 ? [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
        : [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160])[brIdx];
      const rateHz = Math.round([11025, 0, 22050, 44100][ver] * [1, 48000 / 44100, 32000 / 44100][rateIdx]);
      return { h, mpeg1, rateHz, length: Math.floor((mpeg1 ? 144000 : 72000) * kbps / rateHz) + ((h >>> 9) & 1) };
    };
    for (const start = o; o < start + 4096; ++o) {
      const f = frame(o);
      if (!f || !frame(o + f.length)) continue;
      const { h, mpeg1, rateHz } = f;
      const mono = ((h >>> 6) & 3) === 3, perFrame = mpeg1 ? 1152 : 576;
      const side = mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17);
      let frames = null;
      const x = o + 4 + side;
      if (x + 12 <= head.byteLength && ['Xing', 'Info'].includes(str(head, x, 4)) && (head.getUint32(x + 4) & 1)) frames = head.getUint32(x + 8);
      else if (o + 36 + 18 <= head.byteLength && str(head, o + 36, 4) === 'VBRI') frames = head.getUint32(o + 36 + 14);
      const maxKbps = mpeg1 ? 320 : 160;
      return { format: 'MP3', channels: mono ? 1 : 2, sampleRate: rateHz,
        seconds: frames ? frames * perFrame / rateHz : null, atLeast: (size - o) * 8 / (maxKbps * 1000) };
    }
  } catch (e) { /* a header shorter than it claims: decoding will tell */ }
  return null;
}

// The first and last 64 KiB of a File, Blob or ArrayBuffer (without reading the rest).
async function headAndTail(source, size) {
  const n = Math.min(size, 65536);
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    const buf = source instanceof ArrayBuffer ? source : source.buffer, off = source instanceof ArrayBuffer ? 0 : source.byteOffset;
    return [new DataView(buf, off, n), new DataView(buf, off + size - n, n)];
  }
  return Promise.all([source.slice(0, n), source.slice(size - n)].map(async (b) => new DataView(await b.arrayBuffer())));
}

// A master keeps its mix's own rate from 44.1 to 192 kHz (wasm/master/model_rate.h).
const masterRateFor = (rate) => (rate >= 44100 && rate <= 192000 ? rate : SR);

// A file -> {buffer: an AudioBuffer of stereo at 44.1 kHz (ownRate: at the file's own rate, when
// masterRateFor keeps it), copy44: with ownRate, the 44.1 kHz copy when the rates differ (what
// the models see), mono: whether the file was mono}, or an error that says why not.
// note(text) adds a line to the status once loaded (a down-mix, a resampling).
async function decodeStereo(source, name, note = () => {}, ownRate = false) {
  const size = source instanceof ArrayBuffer || ArrayBuffer.isView(source) ? source.byteLength
    : source && typeof source.size === 'number' ? source.size : NaN;
  if (!(size >= 0)) throw new Error('expected a File, Blob or ArrayBuffer');
  if (size === 0) throw new Error(`"${name}" is empty (0 bytes)`);
  if (size > MAX_FILE_BYTES) {
    throw new Error(`"${name}" is ${fmtBytes(size)}: the studio opens files of up to ${fmtBytes(MAX_FILE_BYTES)} ` +
                    `and tracks of up to ${MAX_SECONDS / 60} minutes (the memory of a browser tab)`);
  }
  const probe = probeAudio(...(await headAndTail(source, size)), size);
  if (probe) {
    const seconds = probe.seconds ?? probe.atLeast;
    if (seconds > MAX_SECONDS) throw tooLong(name, seconds);
    if (probe.channels > 2 && probe.channels !== 4 && probe.channels !== 6) throw channelsError(name, probe.channels);
  }
  // decodeAudioData resamples to its context's rate: the file's own (from its header) or 44.1 kHz.
  const rate = ownRate && probe && probe.sampleRate ? masterRateFor(probe.sampleRate) : SR;
  let decoded;
  try {
    const ctx = new OfflineAudioContext(2, 1, rate);
    decoded = await ctx.decodeAudioData(await toBytes(source));
  } catch (e) {
    if (e instanceof RangeError) throw new Error(`"${name}" does not fit in this tab's memory (${e.message})`);
    throw new Error(`Could not decode "${name}": not a readable audio file (WAV, FLAC, OGG, MP3), or a damaged one`);
  }
  if (decoded.duration < MIN_SECONDS) {
    throw new Error(`"${name}" is ${decoded.duration.toFixed(2)} s long: the studio needs at least ${MIN_SECONDS} s of audio`);
  }
  if (decoded.duration > MAX_SECONDS) throw tooLong(name, decoded.duration);
  // Mono is up-mixed (L = R), quad and 5.1 down-mixed by the Web Audio speaker rules (5.1:
  // L + 0.707 (C + Ls), the LFE dropped); other layouts have no standard stereo fold-down.
  const ch = decoded.numberOfChannels;
  if (ch > 2 && ch !== 4 && ch !== 6) throw channelsError(name, ch);
  if (ch > 2) note(`Down-mixed "${name}" from ${ch === 6 ? '5.1 (6 channels)' : 'quad (4 channels)'} to stereo.`);
  if (ch === 1) note(`"${name}" is mono: its master is mono too (the stereo imager is off).`);
  if (probe && probe.sampleRate && probe.sampleRate !== rate) {
    note(`Resampled "${name}" from ${probe.sampleRate / 1000} kHz to ${rate / 1000} kHz.`);
  }
  const out = await stereoAt(decoded, rate);
  for (let c = 0; c < 2; ++c) {
    const d = out.getChannelData(c);
    for (let i = 0; i < d.length; ++i) if (!Number.isFinite(d[i])) throw new Error(`"${name}" holds invalid samples`);
  }
  return { buffer: out, copy44: rate !== SR ? await stereoAt(out, SR) : null, mono: ch === 1 };
}
// An AudioBuffer as stereo at `rate` (Web Audio's resampler and speaker down-mix rules).
async function stereoAt(buffer, rate) {
  const off = new OfflineAudioContext(2, Math.round(buffer.duration * rate), rate);
  const src = off.createBufferSource();
  src.buffer = buffer;
  src.connect(off.destination);
  src.start();
  return off.startRendering();
}
function channelsError(name, n) {
  return new Error(`"${name}" has ${n} channels: the studio takes mono and stereo, and down-mixes quad and 5.1 ` +
                   '(export a stereo mix)');
}
function bufferFrom(left, right, sampleRate = SR) {
  const b = new AudioBuffer({ numberOfChannels: 2, length: left.length, sampleRate });
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

// Runs one user-visible job: busy flag (while any job runs), status line, errors into
// state.error. fn(note): note(text) adds a line the status shows when the job is done
// (otherwise "Ready").
let activeJobs = 0;
let masterRun = null;  // {stopping, promise} while a master runs
let loadsRunning = 0;  // loads (decode, analysis) in progress
async function job(label, fn) {
  activeJobs += 1;
  uiBusy(true);
  state.error = null;
  uiStatus(label);
  const notes = [];
  try {
    const r = await fn((text) => notes.push(text));
    uiStatus(notes.length ? notes.join(' ') : updateReady ? `Ready. ${UPDATE_READY}` : 'Ready');
    return r;
  } catch (e) {
    state.error = e.message || String(e);
    uiStatus(state.error, true);
    throw e;
  } finally {
    activeJobs -= 1;
    uiBusy(activeJobs > 0);
  }
}
// Refuses an action with a message in the status line; isError: also state.error (a mistake
// to fix), otherwise a notice (the page is busy and ignored the click).
function refuse(message, isError = false) {
  if (isError) state.error = message;
  uiStatus(message, isError);
  return Promise.reject(new Error(message));
}
// While a master runs, the worker's model master yields between steps: an edit or a render
// then would land in the middle of it. The UI disables those controls; this guards the API.
function busyMastering(what) {
  return refuse(`Mastering: ${what} when it is done, or press Stop`);
}

async function loadTrack(kind, source, name) {
  if (kind !== 'input' && kind !== 'reference' && kind !== 'reference2') throw new Error(`cannot load into "${kind}"`);
  return job(`Decoding ${name}...`, (note) => loadInto(kind, source, name, note));
}
async function loadInto(kind, source, name, note) {
  loadsRunning += 1;
  try {
    const { buffer, copy44, mono } = await decodeStereo(source, name, note, kind === 'input');
    // A new file during a master: the musician wants that file, so the master (of the old
    // pair) is stopped (decoding went on meanwhile); a new mix then drops its result.
    while (masterRun) {
      const run = masterRun;
      uiStatus(`Stopping the master to load "${name}"...`);
      await stopMaster();
      await run.promise.catch(() => {});
      note(`The running master was stopped to load "${name}".`);
    }
    uiStatus(`Analyzing ${name}...`);
    const analysis = await sendTrack(kind, buffer);
    if (kind === 'input') state.workerInputRate = buffer.sampleRate;
    if (kind === 'reference2') {  // only a blend target: no waveform view of its own
      state.reference2 = { buffer, analysis, name };
      uiCall('ui_set_reference2', ['string'], [`${name} (${analysis.metrics.lufs.toFixed(1)} LUFS)`]);
      return { metrics: { ...analysis.metrics }, seconds: buffer.duration };
    }
    state.tracks[kind] = { buffer, copy44, analysis, name, mono };
    if (kind !== 'reference2') await sendRateCopies();
    if (kind === 'input') {
      state.tracks.output = null; state.params = null; state.initialParams = null; state.summary = null;
      uiTrack('output');
      uiCall('ui_clear_params', [], []);
    }
    uiTrack(kind);
    updateHtml();
    return summaryOf(kind);
  } finally {
    loadsRunning -= 1;
  }
}

async function loadDemo() {
  return job('Loading the demo pair...', async (note) => {
    const [inp, ref] = await Promise.all(['demo/input.ogg', 'demo/reference.ogg'].map(async (u) => {
      const r = await fetch(u);
      if (!r.ok) throw new Error(`demo clip ${u} is missing (${r.status})`);
      return r.arrayBuffer();
    }));
    await loadInto('input', inp, 'demo input (enigma-data)', note);
    await loadInto('reference', ref, 'demo reference (amoebax-data)', note);
  });
}

// One master at a time. Master during a master is ignored with a notice, except after Stop:
// then it waits for the stopped one to end and starts (Stop, then Master, restarts at once).
async function master(options = {}) {
  while (masterRun) {
    if (!masterRun.stopping) return refuse('Already mastering: this Master was ignored (press Stop to end the running one)');
    uiStatus('Waiting for the stopped master to end...');
    await masterRun.promise.catch(() => {});
  }
  if (loadsRunning > 0) return refuse('Loading a file: master when it is loaded');
  if (!state.tracks.input || !state.tracks.reference) return refuse('Load a mix and a reference first (or the demo pair)', true);
  const opts = { ...state.settings, ...options };
  // A Stop pressed before this master (with none running) must not end it at once.
  if (stopBuffer) Atomics.store(new Int32Array(stopBuffer), 0, 0);
  const run = { stopping: false, promise: null };
  masterRun = run;
  run.promise = job('Mastering (ITO)...', async (note) => {
    let r;
    await useMasterRate(opts.masterRate || state.tracks.input.buffer.sampleRate);
    uiStatus('Mastering (ITO)...');
    try {
      r = await call('master', { options: opts }, [], (p) => {
        uiProgress(p.step, p.maxSteps, p.loss, p.bestLoss, true);
      });
    } catch (e) {
      uiProgress(0, 0, 0, 0, false);  // the UI shows Master again, not a Stop for nothing
      throw e;
    }
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
      if (r.summary.preview) note(`Black-box preview: the loudest ${r.summary.previewSeconds.toFixed(0)} s of the input.`);
    } else {
      state.params = Array.from(r.summary.params);
      state.initialParams = Array.from(r.summary.initialParams);
      state.matchEq = { db: Array.from(r.summary.matchEqDb || []), sideDb: Array.from(r.summary.matchEqSideDb || []),
        amount: r.summary.matchEqAmount ?? 0 };
      state.saturatorOn = !!r.summary.saturatorOn;
      state.imagerOn = r.summary.imagerOn !== false;
    }
    // Said in the status line: a fall back to ITO on the settings (a model that could not be
    // loaded), and a Stop (the master keeps the best settings so far).
    if (r.summary.fallback) note(`Mastered with ITO on the settings (Θ): ${r.summary.fallback}.`);
    if (r.summary.stop === 'stopped') {
      note(`Stopped after ${r.summary.steps} of ${r.summary.maxSteps} steps: the best settings so far are applied.`);
    }
    state.inputGainDb = r.summary.inputGainDb;
    state.targetLufs = r.summary.targetLufs;
    state.ceilingDbtp = r.summary.ceilingDbtp;
    state.tracks.output = { buffer: bufferFrom(r.left, r.right, r.summary.sampleRate), analysis: r.analysis, name: 'master' };
    uiTrack('output');
    uiParams();
    updateHtml();
    // The worker's summary whole, with the master's metrics and duration; `seconds` is the time
    // the master took. Arrays come back as plain arrays, absent optional fields as null.
    const out = { ...r.summary, ...summaryOf('output'), seconds: r.summary.seconds };
    for (const k of ['inference', 'ito', 'zSteps', 'zBestLoss', 'thetaPhase', 'fallback', 'matchEqAmount', 'saturatorOn'])
      out[k] = out[k] ?? null;
    for (const k of ['lossCurve', 'matchEqDb', 'matchEqSideDb', 'params', 'initialParams'])
      out[k] = out[k] ? Array.from(out[k]) : null;
    return out;
  }).finally(() => { if (masterRun === run) masterRun = null; });
  return run.promise;
}

// The master's settings as the worker renders them (render, and the unlimited export).
const renderArgs = () => ({ params: Float64Array.from(state.params), inputGainDb: state.inputGainDb,
  targetLufs: state.targetLufs, ceilingDbtp: state.ceilingDbtp, matchEqAmount: state.settings.matchEqAmount });
async function rerender() {
  const r = await call('render', renderArgs());
  state.tracks.output = { buffer: bufferFrom(r.left, r.right, r.rate), analysis: r.analysis, name: 'master' };
  uiTrack('output');
  updateHtml();
  return summaryOf('output');
}

async function setParam(index, value) {
  if (masterRun) return busyMastering('edit a setting');
  if (!state.params) throw new Error('master first: there are no parameters to edit');
  if (!(index >= 0 && index < state.params.length)) throw new Error(`no parameter ${index}`);
  if (!Number.isFinite(Number(value))) throw new Error(`parameter ${index}: ${value} is not a number`);
  state.params[index] = Math.min(1, Math.max(0, Number(value)));
  uiParams();
  return job('Rendering...', rerender);
}

function exportParams() {
  if (!state.params) {
    throw new Error(state.tracks.output ? 'No settings to export: a black-box preview has none'
      : 'No settings to export yet: master first');
  }
  const table = state.paramTable || [];
  return JSON.stringify({
    format: 'itomaster-params', version: 1, inputGainDb: state.inputGainDb, targetLufs: state.targetLufs,
    ceilingDbtp: state.ceilingDbtp,
    params: state.params.map((p, i) => ({ id: table[i] ? table[i].id : String(i), normalized: p,
      value: table[i] ? table[i].min + p * (table[i].max - table[i].min) : null, unit: table[i] ? table[i].unit : '' })),
  }, null, 2);
}

// Settings files: what exportParams writes (or a bare list of 46 numbers in 0..1). Read
// strictly: anything else is refused with what is wrong, so garbage never reaches the chain;
// only the level settings outside the engine's ranges are clamped, and the status says so.
const MAX_SETTINGS_BYTES = 1024 * 1024;  // a settings file is about 7 KB
const LEVELS = { inputGainDb: [-40, 40, 'dB'], targetLufs: [-40, -5, 'LUFS'], ceilingDbtp: [-12, 0, 'dBTP'] };
function settingsError(why) { return new Error(`Settings not imported: ${why}`); }
function describe(v) {
  if (typeof v === 'number') return String(v);
  const j = JSON.stringify(v);
  return j === undefined ? typeof v : j.length > 40 ? `${j.slice(0, 37)}...` : j;
}
function parseSettings(json) {
  let obj = json;
  if (typeof json === 'string') {
    if (json.length > MAX_SETTINGS_BYTES) {
      throw settingsError(`${fmtBytes(json.length)} is not a settings file (they are a few KB; at most 1 MB is read)`);
    }
    try { obj = JSON.parse(json); } catch (e) { throw settingsError(`not valid JSON (${e.message})`); }
  }
  const list = Array.isArray(obj) ? obj : obj && typeof obj === 'object' ? obj.params : undefined;
  if (!Array.isArray(list)) throw settingsError('no "params" list: not an ITO-Master settings file');
  if (!Array.isArray(obj)) {
    if (obj.format !== undefined && obj.format !== 'itomaster-params') throw settingsError(`format ${describe(obj.format)} is not "itomaster-params"`);
    if (obj.version !== undefined && obj.version !== 1) throw settingsError(`version ${describe(obj.version)}: this page reads version 1`);
  }
  const table = state.paramTable || [];
  const count = table.length || 46;
  if (list.length !== count) throw settingsError(`${count} parameters expected, the file has ${list.length}`);
  const values = list.map((p, i) => {
    const t = table[i], name = t ? `parameter ${i + 1} (${t.id})` : `parameter ${i + 1}`;
    const number = (v, what) => {
      if (typeof v !== 'number') throw settingsError(`${name}: ${what} is ${describe(v)}, not a number`);
      if (!Number.isFinite(v)) throw settingsError(`${name}: ${what} is not a finite number`);
      return v;
    };
    if (typeof p === 'number') p = { normalized: p };
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw settingsError(`${name} is ${describe(p)}, not a number`);
    if (p.id !== undefined && t && p.id !== t.id) throw settingsError(`${name}: the file has ${describe(p.id)} in its place`);
    if (p.normalized !== undefined) {
      const v = number(p.normalized, 'normalized');
      if (v < -1e-9 || v > 1 + 1e-9) throw settingsError(`${name}: normalized ${v} is outside 0..1`);
      return Math.min(1, Math.max(0, v));
    }
    if (p.value !== undefined && t) {
      const v = number(p.value, 'value'), lo = Math.min(t.min, t.max), hi = Math.max(t.min, t.max);
      const eps = 1e-9 * (hi - lo);
      const u = t.unit ? ` ${t.unit}` : '';
      if (v < lo - eps || v > hi + eps) throw settingsError(`${name}: ${v}${u} is outside ${t.min}..${t.max}${u}`);
      return Math.min(1, Math.max(0, (v - t.min) / (t.max - t.min)));
    }
    throw settingsError(`${name} has no "normalized" value`);
  });
  const levels = {}, clamped = [];
  for (const [key, [lo, hi, unit]] of Object.entries(LEVELS)) {
    const v = Array.isArray(obj) ? undefined : obj[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw settingsError(`${key} is ${describe(v)}, not a finite number`);
    levels[key] = Math.min(hi, Math.max(lo, v));
    if (levels[key] !== v) clamped.push(`${key} ${v} ${unit} was clamped to ${levels[key]} ${unit} (the engine's range)`);
  }
  return { values, levels, clamped };
}

async function importParams(json, done = 'Settings imported') {
  if (masterRun) return busyMastering('import settings');
  let parsed;
  try {
    parsed = parseSettings(json);
    if (!state.tracks.input) throw new Error('Settings not imported: load a mix first (they apply to one)');
  } catch (e) {
    return refuse(e.message, true);
  }
  const { values, levels, clamped } = parsed;
  state.params = values;
  if (!state.initialParams) state.initialParams = values.slice();
  Object.assign(state, levels);
  if (state.targetLufs == null) {
    state.targetLufs = state.tracks.reference ? state.tracks.reference.analysis.metrics.lufs : -14;
  }
  uiParams();
  return job('Rendering...', async (note) => {
    const r = await rerender();
    note(clamped.length ? `${done}; ${clamped.join('; ')}.` : `${done}.`);
    return r;
  });
}
// A settings file chosen in the file dialog: its size is checked before it is read.
async function importParamsFile(f) {
  if (f.size > MAX_SETTINGS_BYTES) {
    return refuse(`Settings not imported: "${f.name}" is ${fmtBytes(f.size)}, not a settings file ` +
                  '(they are a few KB; at most 1 MB is read)', true);
  }
  return importParams(await f.text());
}

// depth: '16' (TPDF dither), '24' (default), '32f' (32-bit float), or 'unlimited': the master
// without its final limiter (the chain's output at the target loudness, 32-bit float, peaks
// may exceed 0 dBFS) for users who limit elsewhere. A mono input gives a mono file unless
// options.stereo.
async function exportWav(depth = '24', options = {}) {
  if (masterRun) return busyMastering('export');
  if (!state.tracks.output) return refuse('Nothing to export yet: master first', true);
  depth = String(depth);
  if (!['16', '24', '32f', 'unlimited'].includes(depth)) return refuse(`No such bit depth: ${depth} (16, 24, 32f or unlimited)`, true);
  const channels = state.tracks.input && state.tracks.input.mono && !options.stereo ? 1 : 2;
  if (depth !== 'unlimited') return call('exportWav', { depth, channels });
  return call('exportWav', { channels, unlimited: renderArgs() });
}

// The mastering report (master/mastering_report.h): one self-contained HTML file with the
// spectra, the loudness over time, the metrics, the settings and the method, from what the page
// holds (the tracks' analyses, the master's summary).
async function exportReport() {
  if (masterRun) return busyMastering('export the report');
  if (!state.tracks.output || !state.summary) return refuse('Nothing to report yet: master first', true);
  const track = (kind, name) => {
    const t = state.tracks[kind];
    return { name: name || t.name, metrics: t.analysis.metrics, spectrum: t.analysis.spectrum, shortTermLufs: t.analysis.shortTermLufs };
  };
  const s = state.summary;
  return call('report', { input: track('input'), reference: track('reference'), master: track('output', 'the master'),
    mode: s.mode, preview: !!s.preview,
    edited: !!state.params && !!s.params && Array.from(s.params).some((v, i) => v !== state.params[i]),
    steps: s.steps, stop: s.stop, targetLufs: state.targetLufs, ceilingDbtp: state.ceilingDbtp,
    before: state.initialParams, after: state.params, lossCurve: Array.from(s.lossCurve || []) });
}

function summaryOf(kind) {
  const t = state.tracks[kind];
  return t ? { metrics: { ...t.analysis.metrics }, seconds: t.buffer.duration, mono: !!t.mono,
               sampleRate: t.buffer.sampleRate, frames: t.buffer.length } : null;
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
fileInputs.params.addEventListener('change', () => {
  const f = fileInputs.params.files[0];
  fileInputs.params.value = '';
  if (f) importParamsFile(f).catch(() => {});  // the status line says what went wrong
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
  reset_params: ({ values }) => { if (values) importParams({ params: values }, 'Settings reset').catch(swallow); },
  play: () => play(),
  pause: () => pause(),
  seek: ({ t }) => { if (player.playing) play(t); else player.offset = t; },
  select: ({ which }) => select(which),
  match_loudness: ({ on }) => { player.match = !!on; if (player.gain) player.gain.gain.value = matchedGain(player.which); },
  loop: ({ start, end }) => {
    player.loop = (typeof start === 'number' && typeof end === 'number' && end - start > 0.05) ? { start, end } : null;
    if (player.playing) play();
  },
  export_wav: (a) => exportWav(a && a.depth ? a.depth : '24')
    .then((b) => download(b, a && a.depth === 'unlimited' ? 'master-unlimited.wav' : 'master.wav', 'audio/wav'))
    .catch((e) => uiStatus(e.message, true)),
  export_report: () => exportReport().then((html) => download(html, 'mastering-report.html', 'text/html'))
    .catch((e) => uiStatus(e.message, true)),
  export_params: () => {
    try { download(exportParams(), 'master-settings.json', 'application/json'); } catch (e) { state.error = e.message; uiStatus(e.message, true); }
  },
  import_params: () => fileInputs.params.click(),
  settings: (s) => {
    for (const k of ['mode', 'steps', 'itoSteps', 'thetaSteps', 'targetLufs', 'ceilingDbtp', 'matchEqAmount',
      'character', 'expertRanges']) if (k in s) state.settings[k] = s[k];
    state.settings.masterRate = s.masterRate || null;  // absent: the mix's own
  },
  match_eq: ({ amount }) => {
    state.settings.matchEqAmount = amount;
    if (state.matchEq) { state.matchEq.amount = amount; uiParams(); }
    if (state.tracks.output && state.params && !masterRun) job('Rendering...', rerender).catch((e) => uiStatus(e.message, true));
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
$('#btn-report').addEventListener('click', () => actions.export_report());
$('#btn-about').addEventListener('click', () => { $('#about').hidden = !$('#about').hidden; });

// ------------------------------------------------------------------------------ startup
// Updates of the installed app (web/sw.js): a new version installs in the background into a
// cache of its own and waits until no tab runs the old one (the browser's own rule), so a
// page never mixes the files of two versions; the status line says an update is ready.
let updateReady = false;
const UPDATE_READY = 'A new version of the studio is ready: close this tab (and any other of the studio) ' +
  'and open it again to use it';
function announceUpdate() {
  updateReady = true;
  uiStatus(UPDATE_READY);
}
// The one case where a page's controller changes under it: the last old tab was closed and
// this one opened while the new version was taking over, so this page came from the old
// version. While it starts (nothing to lose) it loads again; later it says to.
let started = false;
function watchControllerChange() {
  if (!('serviceWorker' in navigator)) return;
  const servedBy = navigator.serviceWorker.controller;  // null on the first visit: claimed, same version
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (!servedBy) return;
    if (!started) location.reload(); else announceUpdate();
  });
}
function watchUpdates(reg) {
  const watch = (sw) => sw && sw.addEventListener('statechange', () => {
    if (sw.state === 'installed' && navigator.serviceWorker.controller) announceUpdate();
  });
  if (reg.waiting && navigator.serviceWorker.controller) announceUpdate();
  watch(reg.installing);
  reg.addEventListener('updatefound', () => watch(reg.installing));
  setInterval(() => reg.update().catch(() => {}), 3600 * 1000);  // a long session checks hourly
}

async function start() {
  watchControllerChange();
  const workerUp = startWorker().then((r) => {
    state.paramTable = r.table; state.model = r.model || null; state.modelError = r.modelError || null;
    state.threads = r.threads || 1;
  });
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
  state.backend = `WASM SIMD in a Web Worker (${state.threads > 1 ? `${state.threads} threads` : 'one thread'})` +
    (ui ? ', Dear ImGui UI (WebGL 2)' : ', HTML controls');
  uiCall('ui_set_backend', ['string'], [state.backend]);
  // Without the learned model (not downloaded, damaged), masters fall back to ITO on the
  // settings: said at once, not only when the first master comes out different.
  uiStatus(state.modelError ? `Ready, without the learned model: ${state.modelError}; masters use ITO on the settings (Θ)`
    : updateReady ? UPDATE_READY : 'Ready: load a mix and a reference, or the demo pair');
  requestAnimationFrame(playbackTick);
  started = true;
  if ('serviceWorker' in navigator) {
    // updateViaCache 'none': the update check reads sw.js and its precache list (which holds the
    // version) from the server, never from the HTTP cache.
    navigator.serviceWorker.register('sw.js', { updateViaCache: 'none' }).then(watchUpdates)
      .catch((e) => console.warn('service worker:', e.message));
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

const ready = start().catch((e) => {  // (the engine did not load: said, not thrown at the page)
  state.error = `The studio could not start: ${e.message || e}`;
  uiStatus(state.error, true);
});
window.studio = {
  ready,
  load: (kind, source) => loadTrack(kind, source, source && source.name ? source.name : kind),
  loadDemo,
  offlineReady: () => offlineReady,
  master,
  stop: stopMaster,
  setParam,
  exportWav,
  exportReport,
  exportParams,
  importParams,
  // Integrated loudness (LUFS) of planar 44.1 kHz stereo, by the engine (tests use it).
  loudness: (left, right, rate = SR) => call('loudness', { left: Float32Array.from(left), right: Float32Array.from(right), rate }),
  state: () => ({
    input: summaryOf('input'), reference: summaryOf('reference'), output: summaryOf('output'),
    params: state.params ? state.params.slice() : null, busy: state.busy, error: state.error,
    status: state.status, backend: state.backend, threads: state.threads, model: state.model, modelError: state.modelError || null, updateReady,
    mode: state.summary ? state.summary.mode : null,
    inference: state.inference || null,
    playback: { which: player.which, playing: player.playing, position: position(), matchLoudness: player.match,
      gain: player.gain ? player.gain.gain.value : 1, loop: player.loop },
  }),
  // What a UI button does (the same action names as Module.onUiAction), for tests and scripts.
  uiAction: (name, args = {}) => onUiAction(name, JSON.stringify(args)),
};
