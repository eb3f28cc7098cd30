/* Every page's own small script (deferred, kept by the service worker with the shell).

   Installs the service worker (web/pwa.py): the app's shell stays on the phone, and a page that cannot load
   shows the offline page instead of the browser's error. */
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* the site works without it */ });
  });
}

/* A button or link with data-confirm="…" asks first, and does nothing unless confirmed. The pages allow no
   inline script (Content-Security-Policy, settings.py), so no onclick="return confirm(…)". */
document.addEventListener("click", function (event) {
  var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
  if (el && !window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
});
