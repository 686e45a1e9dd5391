// Writes precache-manifest.js into the site: what the service worker caches, in three tiers,
// and a version hash of all the files, so a new build replaces the old cache.
//   PRECACHE_FILES: at install, what opening the app and mastering with its default method
//     needs (the page, the engine, the white-box model): the first visit's download;
//   BACKGROUND_FILES: afterwards, when the page asks (the demo pair, the black-box model,
//     the WGSL shaders, the ZIP library, test pages), so the installed app has everything offline;
//   everything else (ONNX Runtime Web and the ONNX models, used only with a hardware GPU):
//     cached when first fetched.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const site = process.argv[2];
const skip = new Set(['sw.js', 'precache-manifest.js']);
const onDemand = (f) => f.startsWith('ort/') || f.endsWith('.onnx');
const background = (f) => f.startsWith('demo/') || f.startsWith('shaders/') || f.startsWith('vendor/') || f === 'models/blackbox.itom' ||
  f === 'gpu_backward_check.js';
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const files = walk(site).map((p) => relative(site, p).split('\\').join('/')).filter((f) => !skip.has(f)).sort();
const hash = createHash('sha256');
for (const f of files) hash.update(f).update(readFileSync(join(site, f)));
const core = ['./', ...files.filter((f) => !onDemand(f) && !background(f))];
const rest = files.filter(background);
writeFileSync(join(site, 'precache-manifest.js'),
  `self.PRECACHE_VERSION = ${JSON.stringify(hash.digest('hex').slice(0, 16))};\n` +
  `self.PRECACHE_FILES = ${JSON.stringify(core, null, 1)};\n` +
  `self.BACKGROUND_FILES = ${JSON.stringify(rest, null, 1)};\n`);
console.log(`precache: ${core.length} at install, ${rest.length} in the background, ` +
            `${files.length + 1 - core.length - rest.length} on first use`);
