/* zhijiao's service worker (web/pwa.py): the shell from the cache, pages from the network. */
"use strict";
const CACHE = "{{ cache_name }}";
const SHELL = {{ shell|safe }};
const OFFLINE = {{ offline|safe }};
const STATIC = {{ static_prefix|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("zhijiao-") && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    // Pages always from the network (never stale after a deploy); the offline page when it is gone.
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE)));
  } else if (url.pathname.startsWith(STATIC)) {
    // Hashed names never change content: the cache first.
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});
