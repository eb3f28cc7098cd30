/* Autosave a homework draft a moment after the student stops typing, and before the page is left; without
   scripts the 保存草稿 button does the same.

   A dropped signal loses no answer: every change is also kept on this device (localStorage, under this
   submission's autosave address) until the server has saved it. Offline, the status line says the answers
   are not sent yet; when the connection returns they are sent (a draft save, which replaces the last one:
   nothing is submitted twice). A page opened again later (the app closed, the phone restarted) gets back
   the answers that never reached the server. Pressing 提交 offline keeps the answers and says to press it
   again once connected, instead of losing the page to the browser's error. A send that fails while the
   phone says it is online (a signal that is back but not yet usable, a server restarting) is tried again
   after 2, 4, 8… up to 30 seconds, since no "online" event will come to trigger it; so is a send held back
   because the browser said it was offline (navigator.onLine can be stale when a page opens just as the
   connection returns, and then no "online" event comes either). */
(function () {
  var form = document.getElementById("answer-form");
  if (!form) return;
  var status = document.getElementById("autosave-status");
  var url = form.getAttribute("data-autosave");
  var key = "zhijiao:answers:" + url;
  var timer = null, dirty = false, retryDelay = 2000;

  function show(text, state) { status.textContent = text; status.setAttribute("data-state", state); }
  function answers() {
    var out = [];
    new FormData(form).forEach(function (v, k) {
      if (k !== "csrfmiddlewaretoken" && k !== "action") out.push([k, String(v)]);
    });
    return out;
  }
  function keep() {
    try { localStorage.setItem(key, JSON.stringify(answers())); } catch (e) { /* storage full or off */ }
  }
  function forget() { try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ } }
  function kept() {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function restore(pairs) {
    var names = {};
    pairs.forEach(function (p) { names[p[0]] = true; });
    Object.keys(names).forEach(function (name) {
      var els = form.elements.namedItem(name);
      var list = els && els.length !== undefined && !els.tagName ? Array.prototype.slice.call(els) : [els];
      var values = pairs.filter(function (p) { return p[0] === name; }).map(function (p) { return p[1]; });
      var nth = 0;  // a fill-in question has one input per blank, all under its name, in order
      list.forEach(function (el) {
        if (!el) return;
        if (el.type === "radio" || el.type === "checkbox") { el.checked = values.indexOf(el.value) !== -1; }
        else { el.value = values[nth] === undefined ? "" : values[nth]; nth += 1; }
      });
    });
  }
  function save() {
    if (!dirty) return;
    if (!navigator.onLine) { show(status.getAttribute("data-offline"), "offline"); later(); return; }
    dirty = false;
    var data = new FormData(form);
    data.delete("action");
    fetch(url, {method: "POST", body: data, credentials: "same-origin",
                headers: {"X-CSRFToken": data.get("csrfmiddlewaretoken")}})
      .then(function (r) { return r.json(); })
      .then(function (j) {
        retryDelay = 2000;
        if (j.ok && !dirty) forget();  // saved, and nothing typed since
        show(j.ok ? (status.getAttribute("data-saved") + " " + j.saved_at) : j.message, j.ok ? "saved" : "error");
      })
      .catch(function () {
        dirty = true;
        show(status.getAttribute("data-offline"), "offline");
        later();
      });
  }
  function later() {  // look again in a while: neither a failed send nor a stale onLine will fire an event
    clearTimeout(timer);
    timer = setTimeout(save, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }
  function changed() { dirty = true; keep(); clearTimeout(timer); timer = setTimeout(save, 1200); }

  var unsent = kept();
  if (unsent && unsent.length) { restore(unsent); dirty = true; save(); }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function (e) {
    if (!navigator.onLine) {
      e.preventDefault();
      keep();
      dirty = true;
      show(status.getAttribute("data-offline-submit"), "offline");
    } else if (e.submitter && e.submitter.value === "submit") {
      forget();
    }
  });
  window.addEventListener("online", save);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") save(); });
})();
