{% autoescape off %}// Lantern's service worker (served by lantern.webapp.views.service_worker from /sw.js).
//
// It keeps two kinds of thing in the browser's cache, and nothing else: the portal's static
// files (styles, scripts, icons: the same for everyone) and the offline page (which names no
// one). Pages of the portal are never stored: a navigation goes to the network, and only when
// the network is unreachable does the worker answer with the offline page. Requests other than
// GET, and GETs for anything but static files, pass through untouched.
"use strict";

const CACHE_NAME = {{ cache_name }};
const PRECACHE = {{ precache }};
const OFFLINE_URL = {{ offline_url }};
const STATIC_PREFIX = {{ static_prefix }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE_NAME)
      .then((cache) => cache.addAll([...PRECACHE, OFFLINE_URL]))
      .then(() => self.skipWaiting()),
  );
});

// A new version removes the caches of the old ones.
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((name) => name !== CACHE_NAME).map((name) => caches.delete(name))),
      )
      .then(() => self.clients.claim()),
  );
});

function isStaticFile(url) {
  return url.origin === self.location.origin && url.pathname.startsWith(STATIC_PREFIX);
}

async function staticFile(request) {
  const cache = await caches.open(CACHE_NAME);
  const stored = await cache.match(request);
  if (stored) {
    return stored;
  }
  const response = await fetch(request);
  // Only a complete, same-site answer is kept (never an error, a redirect or a partial one).
  if (response.status === 200 && response.type === "basic") {
    await cache.put(request, response.clone());
  }
  return response;
}

async function page(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const offline = await caches.match(OFFLINE_URL);
    if (offline) {
      return offline;
    }
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (isStaticFile(url)) {
    event.respondWith(staticFile(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  }
});

// Signing out (static/webapp/app.js) empties every cache, as the sign-out response's
// Clear-Site-Data header does in browsers that support it.
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "sign-out") {
    event.waitUntil(
      caches.keys().then((names) => Promise.all(names.map((name) => caches.delete(name)))),
    );
  }
});
{% endautoescape %}
