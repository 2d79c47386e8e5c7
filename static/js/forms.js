// Character counts: what is left of a field's limit, shown as the person types and told to screen readers
// only when they pause. The limit itself is in the page (and checked by the server) without this script.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var plural = new Intl.PluralRules(lang);
  var numbers = new Intl.NumberFormat(lang);

  // As the server counts: line breaks as one character, no surrounding spaces, characters not UTF-16 units.
  function length(text) { return Array.from(text.replace(/\r\n/g, "\n").trim()).length; }

  function message(hint, n, over) {
    var key = (over ? "over" : "remaining") + (plural.select(n) === "one" ? "One" : "Other");
    return (hint.dataset[key] || "").replace("{n}", numbers.format(n));
  }

  document.querySelectorAll("[data-character-count]").forEach(function (group) {
    var max = parseInt(group.getAttribute("data-character-count"), 10);
    var field = group.querySelector("textarea, input");
    var hint = group.querySelector(".character-count");
    if (!field || !hint || !max) { return; }
    var visible = document.createElement("p");
    visible.className = "hint character-count-status";
    visible.setAttribute("aria-hidden", "true");
    var spoken = document.createElement("p");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    hint.classList.add("visually-hidden"); // still the field's description: "You can enter up to …"
    hint.parentNode.insertBefore(spoken, hint.nextSibling);
    hint.parentNode.insertBefore(visible, spoken);
    var pause = null;

    function update(announce) {
      var left = max - length(field.value);
      var text = message(hint, Math.abs(left), left < 0);
      visible.textContent = text;
      visible.classList.toggle("character-count-over", left < 0);
      field.classList.toggle("input-over", left < 0);
      clearTimeout(pause);
      if (announce) { pause = setTimeout(function () { spoken.textContent = text; }, 1500); }
    }

    field.addEventListener("input", function () { update(true); });
    update(false);
  });
})();

// After a refused submit, focus goes to the summary of what to fix (the page also asks for it with
// `autofocus`; this covers a browser that ignores that on a non-form element).
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (summary && (document.activeElement === null || document.activeElement === document.body)) {
    summary.focus();
  }
})();

// A table wider than the screen scrolls sideways inside its wrapper (words stay whole at 320 px). Keyboard users
// can scroll only what can take focus, so a wrapper that overflows becomes a named region in the tab order.
(function () {
  "use strict";
  function label(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption) { return caption.textContent.trim(); }
    for (var node = wrap.previousElementSibling; node; node = node.previousElementSibling) {
      if (/^H[1-6]$/.test(node.tagName)) { return node.textContent.trim(); }
    }
    var heading = wrap.closest("section") && wrap.closest("section").querySelector("h1, h2, h3");
    return heading ? heading.textContent.trim() : document.title;
  }
  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.dataset.scrollRegion === "page") { return; }  // the page already made it a region
      if (wrap.hasAttribute("tabindex") && !wrap.dataset.scrollRegion) { wrap.dataset.scrollRegion = "page"; return; }
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", label(wrap));
        wrap.dataset.scrollRegion = "script";
      } else if (wrap.dataset.scrollRegion === "script") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
        delete wrap.dataset.scrollRegion;
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();
