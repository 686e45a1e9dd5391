// Service worker: caches the site in three tiers (precache-manifest.js, written at build
// time): the files the first visit needs at install, the rest of the app when the page
// asks ('cache-rest', after it is up), and anything else same-origin when first fetched
// (ONNX Runtime Web, only used with a hardware GPU). It answers from the cache, so the
// installed app works offline. Only same-origin GET requests are handled.
/* global PRECACHE_FILES, BACKGROUND_FILES, PRECACHE_VERSION */
importScripts('precache-manifest.js');
const CACHE = `itomaster-${PRECACHE_VERSION}`;

// Each version's files come from the server (cache: 'reload', not the HTTP cache, which may
// still hold the previous version's), into that version's own cache.
const fresh = (files) => files.map((f) => new Request(f, { cache: 'reload' }));

// An update does not take over at once (no skipWaiting): a page open on the old version would
// otherwise get the new version's files for what it loads later (the worker, the models),
// mixing the two. It waits, as the browser does by default, until no tab runs the old version
// (the page says an update is ready); the first install activates at once anyway.
self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(fresh(PRECACHE_FILES))));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('itomaster-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

// {type: 'cache-rest'} with a MessagePort: caches what is missing of BACKGROUND_FILES and
// replies true (false if a file could not be fetched; the next visit tries again).
self.addEventListener('message', (event) => {
  if (!event.data || event.data.type !== 'cache-rest') return;
  const reply = (ok) => event.ports[0] && event.ports[0].postMessage(ok);
  event.waitUntil(caches.open(CACHE).then(async (cache) => {
    const missing = [];
    for (const f of BACKGROUND_FILES) if (!(await cache.match(f))) missing.push(f);
    await cache.addAll(fresh(missing));
    reply(true);
  }).catch(() => reply(false)));
});

// Cross-origin isolation without server headers: every response the worker serves carries
// COOP/COEP (as web/serve.mjs sends them), so on any static host the page, once the service
// worker controls it, gets SharedArrayBuffer and the engine runs on threads (engine_mt.js).
function isolated(response) {
  if (response.type !== 'basic' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  event.respondWith(caches.open(CACHE).then(async (cache) => {
    const hit = await cache.match(event.request, { ignoreSearch: true });
    if (hit) return isolated(hit);
    try {
      const response = await fetch(event.request);
      if (response.ok && response.type === 'basic') await cache.put(event.request, response.clone());
      return isolated(response);
    } catch (e) {
      // Offline and not cached: a navigation still gets the app.
      if (event.request.mode === 'navigate') {
        const app = await cache.match('./');
        return app ? isolated(app) : Response.error();
      }
      return Response.error();
    }
  }));
});
