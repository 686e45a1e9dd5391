// The album: several mixes mastered toward the loaded reference, one after another through the
// studio's own API (one mix in the worker at a time), all to one target loudness; each with its
// own ITO, or (sameSettings) ITO on the settings once, on the first mix, and its settings and
// level for the others (the CLI's `itomaster album --same-settings`). Each master is kept as a
// Blob (the browser may keep large ones on disk) and the ZIP is written from them one at a time
// with fflate (bundled from npm: web/vendor/fflate.js), uncompressed (WAV barely compresses).
(() => {
  const album = { tracks: [], running: false };  // {name, file, state, lufs, truePeakDbtp, lra, blob, error}
  const fmt = (x, digits) => (Number.isFinite(x) ? x.toFixed(digits) : '');

  // The UI's table: one line per mix, tab-separated cells (wasm/app/ui_panels.cpp).
  function show() {
    const rows = album.tracks.map((t) => [t.name, t.state, fmt(t.lufs, 1), fmt(t.truePeakDbtp, 1), fmt(t.lra, 1)].join('\t'));
    uiCall('ui_set_album', ['string'], [rows.join('\n')]);
  }

  // "song.flac" -> "song.wav"; two mixes may not end up with one name.
  function wavNames(files) {
    const names = files.map((f) => `${f.name.replace(/\.[^.]*$/, '') || 'mix'}.wav`);
    const seen = new Set();
    for (const n of names) {
      if (seen.has(n)) throw new Error(`Two mixes would both be written as ${n}: rename one`);
      seen.add(n);
    }
    return names;
  }

  async function masterAlbum(files, { sameSettings = false, depth = '24' } = {}) {
    files = Array.from(files || []);
    if (!files.length) throw new Error('Choose the mixes of the album');
    if (album.running) throw new Error('An album is being mastered');
    if (!window.studio.state().reference) throw new Error('Load the reference first: every mix is mastered toward it');
    const names = wavNames(files);
    album.tracks = files.map((file, i) => ({ name: names[i], file, state: 'waiting' }));
    album.running = true;
    show();
    let first = null;  // sameSettings: the first master's settings
    try {
      for (const t of album.tracks) {
        t.state = 'mastering';
        show();
        try {
          await window.studio.load('input', t.file);
          const options = !sameSettings ? {}
            : first ? { mode: 'theta', fixedParams: first.params, inputGainDb: first.inputGainDb } : { mode: 'theta' };
          const m = await window.studio.master(options);
          if (sameSettings && !first) first = { params: m.params, inputGainDb: m.inputGainDb };
          t.blob = new Blob([await window.studio.exportWav(depth)], { type: 'audio/wav' });
          Object.assign(t, { state: 'done', lufs: m.metrics.lufs, truePeakDbtp: m.metrics.truePeakDbtp, lra: m.metrics.lra });
        } catch (e) {  // one damaged mix does not stop the album, unless it gives the settings
          Object.assign(t, { state: 'failed', error: e.message || String(e) });
          if (sameSettings && !first) break;
        } finally {
          t.file = null;
          show();
        }
      }
    } finally {
      album.running = false;
    }
    return tracks();
  }

  function tracks() {
    return album.tracks.map(({ name, state, lufs, truePeakDbtp, lra, error }) =>
      ({ name, state, lufs: lufs ?? null, truePeakDbtp: truePeakDbtp ?? null, lra: lra ?? null, error: error ?? null }));
  }

  // One ZIP of the album's masters (and its table as CSV), as a Blob.
  async function exportZip() {
    const done = album.tracks.filter((t) => t.blob);
    if (!done.length) throw new Error('Nothing to export: master an album first');
    const { Zip, ZipPassThrough } = await import('./vendor/fflate.js');
    return new Promise((resolve, reject) => {
      const parts = [];
      const zip = new Zip((err, data, final) => {
        if (err) return reject(err);
        parts.push(data);
        if (final) resolve(new Blob(parts, { type: 'application/zip' }));
      });
      const add = (name, bytes) => {
        const entry = new ZipPassThrough(name);
        zip.add(entry);
        entry.push(bytes, true);
      };
      (async () => {
        for (const t of done) add(t.name, new Uint8Array(await t.blob.arrayBuffer()));
        const csv = ['mix,lufs,true_peak_dbtp,lra', ...done.map((t) => `"${t.name}",${fmt(t.lufs, 2)},${fmt(t.truePeakDbtp, 2)},${fmt(t.lra, 2)}`)];
        add('album.csv', new TextEncoder().encode(`${csv.join('\n')}\n`));
        zip.end();
      })().catch(reject);
    });
  }

  const input = document.getElementById('file-album');
  let sameSettingsAsked = false;
  input.addEventListener('change', () => {
    const files = Array.from(input.files);
    input.value = '';
    masterAlbum(files, { sameSettings: sameSettingsAsked }).catch((e) => uiStatus(e.message, true));
  });
  // The UI's buttons (wasm/app/ui_panels.cpp, draw_album_panel).
  actions.album_master = ({ sameSettings }) => { sameSettingsAsked = !!sameSettings; input.click(); };
  actions.album_zip = () => exportZip().then((blob) => download(blob, 'album.zip', 'application/zip'))
    .catch((e) => uiStatus(e.message, true));
  window.studio.album = { master: masterAlbum, exportZip, tracks };
})();
