// Switching language keeps what was typed. The header's switcher posts /language, which sends the person back to
// this page (or, after a refused form not sent again by the switcher, to the page the form was posted from) in the
// new language: a new page, so the fields would come back empty. Just before it goes, the values of this page's forms are put in this tab's
// sessionStorage; the page it lands on, if it is the one the switcher named, puts them back once and forgets them.
//
// Why in the browser: nothing typed goes to the server before the person sends it, nothing is stored there for
// anyone, and it works for every form without each view re-rendering itself in another language. Never kept:
// passwords, one-time codes, hidden fields (the page brings its own) and files; a form that saves itself (a pitch
// step: pitch.js) or is marked data-not-kept is left alone. Without this script the switcher works as before.
(function () {
  "use strict";
  var KEY = "agora-kept-on-language";
  var MAX_AGE = 5 * 60 * 1000; // a switch lands at once; an entry older than this is stale, not restored
  var script = document.currentScript;
  var storage;
  try {
    storage = window.sessionStorage;
    storage.setItem(KEY + "-probe", "1");
    storage.removeItem(KEY + "-probe");
  } catch (e) { return; } // storage refused (private mode, settings): the switcher works as before

  var SKIPPED_TYPES = ["password", "hidden", "file", "submit", "button", "reset", "image"];

  function kept(field) {
    var type = (field.type || "").toLowerCase();
    var complete = (field.getAttribute("autocomplete") || "").toLowerCase();
    return Boolean(field.name) && !field.disabled && SKIPPED_TYPES.indexOf(type) < 0
      && !/password|one-time-code|cc-/.test(complete) && !field.closest("[data-not-kept]");
  }

  function fields(form) { return Array.prototype.filter.call(form.elements, kept); }

  function choosable(field) { return field.type === "checkbox" || field.type === "radio"; }

  function edited(form) {
    return fields(form).some(function (field) {
      if (choosable(field)) { return field.checked !== field.defaultChecked; }
      if (field.options) {
        return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      return field.value !== field.defaultValue;
    });
  }

  function values(form) {
    var named = {};
    fields(form).forEach(function (field) {
      var list = named[field.name] || (named[field.name] = []);
      if (choosable(field)) {
        if (field.checked) { list.push(field.value); }
      } else if (field.options && field.multiple) {
        Array.prototype.forEach.call(field.options, function (o) { if (o.selected) { list.push(o.value); } });
      } else {
        list.push(field.value);
      }
    });
    return named;
  }

  // The hidden fields that tell apart forms posting to one address (the pilot's moves: their target).
  function hidden(form) {
    var named = {};
    Array.prototype.forEach.call(form.querySelectorAll("input[type=hidden][name]"), function (field) {
      if (field.name !== "csrf_token") { named[field.name] = field.value; }
    });
    return named;
  }

  // Read as attributes: a field named "action" or "method" would shadow the form's own properties.
  function address(form) { return new URL(form.getAttribute("action") || "", document.baseURI).href; }

  function keepable(form) {
    return (form.getAttribute("method") || "get").toLowerCase() === "post" && !form.classList.contains("language-switcher")
      && !form.hasAttribute("data-autosave") && !form.hasAttribute("data-not-kept") && fields(form).length > 0;
  }

  var switcher = document.querySelector("form.language-switcher");
  // After a refused form the switcher sends that form again to this page's own address (data-resend): the server
  // shows it again in the new language with what was sent; what was typed since is put back here, without a second
  // notice (the page says it was not saved).
  var resend = Boolean(switcher && switcher.hasAttribute("data-resend"));
  var next = switcher && !resend && switcher.querySelector("input[name=next]");
  var landing = resend ? window.location.pathname + window.location.search : next && next.value;

  // A page answering a POST (a refused form) names as the way back the page the form was posted from. Sent again
  // from that refusal and refused again, the form was posted from an address that takes only a POST: the server
  // can then only guess the page above it, so the way back named by the first refusal is remembered and used.
  var ORIGIN = KEY + "-origin";
  if (next && next.value !== window.location.pathname + window.location.search) {
    var from = null;
    try { from = document.referrer ? new URL(document.referrer) : null; } catch (e) { from = null; }
    var origin = null;
    try { origin = JSON.parse(storage.getItem(ORIGIN) || "null"); } catch (e) { origin = null; }
    if (from && from.origin === window.location.origin && from.pathname !== window.location.pathname) {
      storage.setItem(ORIGIN, JSON.stringify({path: window.location.pathname, next: next.value}));
    } else if (from && from.pathname === window.location.pathname && origin && origin.path === from.pathname) {
      next.value = origin.next;
    }
  }

  // Sending the refused form again: what its fields hold now, rather than what was sent, so that its reasons are
  // asked of the text as it is.
  function resendAsItIs() {
    var sent = hidden(switcher);
    var own = target({action: address(switcher), hidden: sent});
    if (!own) { return; }
    var names = {};
    fields(own).forEach(function (field) { names[field.name] = true; });
    Array.prototype.forEach.call(switcher.querySelectorAll("input[type=hidden][name]"), function (input) {
      if (names[input.name]) { input.parentNode.removeChild(input); }
    });
    var now = values(own);
    Object.keys(now).forEach(function (name) {
      now[name].forEach(function (value) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        switcher.appendChild(input);
      });
    });
  }

  if (switcher) {
    switcher.addEventListener("submit", function () {
      if (resend) { resendAsItIs(); }
      // After a refusal the typed values are the page's own (the server wrote them back): keep every form then.
      var refused = document.querySelector(".error-summary, .form-group-error, .error-message") !== null;
      var forms = Array.prototype.filter.call(document.forms, function (form) {
        return keepable(form) && (refused || edited(form));
      }).map(function (form) { return {action: address(form), hidden: hidden(form), values: values(form)}; });
      if (!forms.length || !landing) { storage.removeItem(KEY); return; }
      storage.setItem(KEY, JSON.stringify({page: landing, at: Date.now(), forms: forms, quiet: resend}));
    });
  }

  var entry = null;
  try { entry = JSON.parse(storage.getItem(KEY) || "null"); } catch (e) { entry = null; }
  storage.removeItem(KEY); // once: a later visit to this page starts afresh
  if (!entry || !entry.forms || Date.now() - entry.at > MAX_AGE
      || entry.page !== window.location.pathname + window.location.search) { return; }

  function target(stored) {
    var best = null;
    var bestScore = -1;
    var tie = false;
    Array.prototype.forEach.call(document.forms, function (form) {
      if (!keepable(form) || address(form) !== stored.action) { return; }
      var own = hidden(form);
      var score = Object.keys(stored.hidden).filter(function (n) { return own[n] === stored.hidden[n]; }).length;
      if (score > bestScore) { best = form; bestScore = score; tie = false; } else if (score === bestScore) { tie = true; }
    });
    return tie ? null : best; // two forms alike: better to put nothing back than to put it in the wrong one
  }

  function restore(form, named) {
    var changed = [];
    Object.keys(named).forEach(function (name) {
      var list = named[name];
      var index = 0;
      fields(form).filter(function (f) { return f.name === name; }).forEach(function (field) {
        var before = choosable(field) ? field.checked : field.value;
        if (choosable(field)) {
          field.checked = list.indexOf(field.value) >= 0;
        } else if (field.options && field.multiple) {
          Array.prototype.forEach.call(field.options, function (o) { o.selected = list.indexOf(o.value) >= 0; });
        } else if (index < list.length) {
          field.value = list[index];
          index += 1;
        }
        if ((choosable(field) ? field.checked : field.value) !== before || field.multiple) { changed.push(field); }
      });
    });
    changed.forEach(function (field) {
      field.dispatchEvent(new Event("input", {bubbles: true}));
      field.dispatchEvent(new Event("change", {bubbles: true}));
    });
    return changed.length > 0;
  }

  entry.forms.forEach(function (stored) {
    var form = target(stored);
    if (!form || !restore(form, stored.values)) { return; }
    var said = !entry.quiet && script && script.getAttribute("data-kept");
    if (said) {
      var notice = document.createElement("p");
      notice.className = "notice notice-info language-kept";
      notice.setAttribute("role", "status");
      notice.textContent = said;
      form.insertBefore(notice, form.firstChild);
    }
  });
})();
