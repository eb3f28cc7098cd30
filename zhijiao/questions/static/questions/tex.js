/* Render $...$ and $$...$$ in elements marked .tex with the locally vendored KaTeX; the escaped text stays
   as it is when a formula does not parse or scripts are off. */
(function () {
  function run() {
    if (typeof renderMathInElement !== "function") return;
    document.querySelectorAll(".tex").forEach(function (el) {
      renderMathInElement(el, {
        delimiters: [{left: "$$", right: "$$", display: true}, {left: "$", right: "$", display: false},
                     {left: "\\(", right: "\\)", display: false}],
        throwOnError: false
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run); else run();
})();
