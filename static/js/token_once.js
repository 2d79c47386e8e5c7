// The page that shows a new API token's secret, the only time it is shown: leaving it by a link or a form (the
// language switcher too) asks first, since the next page cannot show the secret again and nothing keeps it for
// that. Closing or reloading the tab gets the browser's own question. Without this script the page says "copy it
// now", and the tokens page says afterwards that the secret is gone (web/account.py tokens).
(function () {
  "use strict";
  var shown = document.querySelector("[data-secret-once]");
  if (!shown) { return; }
  var question = shown.getAttribute("data-secret-once");
  var leaving = false;

  function ask(event) {
    if (event.defaultPrevented) { return; }
    if (window.confirm(question)) { leaving = true; } else { event.preventDefault(); }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || link.getAttribute("href").charAt(0) === "#" || link.target === "_blank") { return; }
    ask(event);
  });
  // Captured: asked before any other script acts on the submit (language_keep.js keeps values only if it goes).
  document.addEventListener("submit", ask, true);
  window.addEventListener("beforeunload", function (event) {
    if (leaving) { return; }
    event.preventDefault();
    event.returnValue = "";
  });
})();
