/* 选题篮: a tick or untick on the bank page is saved at once (the selection lives in the teacher's session),
   so it survives paging and filters. Without scripts the 保存本页勾选 button does the same. */
(function () {
  var form = document.getElementById("bank-form");
  if (!form) return;
  var url = form.getAttribute("data-basket");
  var count = document.getElementById("basket-count");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  form.addEventListener("change", function (e) {
    var box = e.target;
    if (!box || box.name !== "question") return;
    var body = new FormData();
    body.append(box.checked ? "question" : "remove", box.value);
    box.disabled = true;
    fetch(url, {method: "POST", body: body, credentials: "same-origin",
                headers: {"X-CSRFToken": token, "Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { count.textContent = data.count; })
      .catch(function () { box.checked = !box.checked; })
      .finally(function () { box.disabled = false; });
  });
})();
