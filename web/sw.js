// Service worker: precaches every file of the site (the list and its version come from
// precache-manifest.js, written at build time) and answers from the cache, so the
// installed app works offline. Only same-origin GET requests are handled.
/* global PRECACHE_FILES, PRECACHE_VERSION */
importScripts('precache-manifest.js');
const CACHE = `itomaster-${PRECACHE_VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('itomaster-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  event.respondWith(caches.open(CACHE).then(async (cache) => {
    const hit = await cache.match(event.request, { ignoreSearch: true });
    if (hit) return hit;
    try {
      return await fetch(event.request);
    } catch (e) {
      // Offline and not cached: a navigation still gets the app.
      if (event.request.mode === 'navigate') return (await cache.match('./')) || Response.error();
      return Response.error();
    }
  }));
});
