/* Autosave a homework draft a moment after the student stops typing, and before the page is left.
   Without scripts the 保存草稿 button does the same. */
(function () {
  var form = document.getElementById("answer-form");
  if (!form) return;
  var status = document.getElementById("autosave-status");
  var url = form.getAttribute("data-autosave");
  var timer = null, dirty = false;
  function save() {
    if (!dirty) return;
    dirty = false;
    var data = new FormData(form);
    data.delete("action");
    fetch(url, {method: "POST", body: data, credentials: "same-origin",
                headers: {"X-CSRFToken": data.get("csrfmiddlewaretoken")}})
      .then(function (r) { return r.json(); })
      .then(function (j) {
        status.textContent = j.ok ? (status.getAttribute("data-saved") + " " + j.saved_at) : j.message;
        status.setAttribute("data-state", j.ok ? "saved" : "error");
      })
      .catch(function () { dirty = true; status.textContent = status.getAttribute("data-offline"); });
  }
  function changed() { dirty = true; clearTimeout(timer); timer = setTimeout(save, 1200); }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") save(); });
})();
