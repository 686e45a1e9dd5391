// Writes precache-manifest.js into the site: every file the service worker must cache
// (all of the site but itself and this list) and a version hash of their contents, so a
// new build replaces the old cache.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const site = process.argv[2];
const skip = new Set(['sw.js', 'precache-manifest.js']);
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const files = walk(site).map((p) => relative(site, p).split('\\').join('/')).filter((f) => !skip.has(f)).sort();
const hash = createHash('sha256');
for (const f of files) hash.update(f).update(readFileSync(join(site, f)));
const list = ['./', ...files];
writeFileSync(join(site, 'precache-manifest.js'),
  `self.PRECACHE_VERSION = ${JSON.stringify(hash.digest('hex').slice(0, 16))};\n` +
  `self.PRECACHE_FILES = ${JSON.stringify(list, null, 1)};\n`);
console.log(`precache: ${list.length} entries`);
