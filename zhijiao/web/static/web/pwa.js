/* Installs the service worker (web/pwa.py): the app's shell stays on the phone, and a page that cannot load
   shows the offline page instead of the browser's error. */
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* the site works without it */ });
  });
}
