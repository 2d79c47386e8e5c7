// Autosave of a pitch step: a moment after the person stops typing, the step is saved as the draft and the
// page says when ("Saved at 14:32"). Without this script, "Save and continue" does the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  var status = document.getElementById("autosave-status");
  if (!form || !status || !window.fetch || !window.FormData || !window.URLSearchParams) { return; }
  var timer = null;
  var saving = null;
  var saved = serialise();
  var kept = false; // the last save was refused, but the server kept the text for this step (shown on reload)

  function serialise() { return new URLSearchParams(new FormData(form)).toString(); }

  function save() {
    clearTimeout(timer);
    timer = null;
    if (saving) { return saving.then(save); } // one at a time, then whatever changed meanwhile
    var body = serialise();
    if (body === saved) { return Promise.resolve(true); }
    var token = new FormData(form).get("csrf_token") || "";
    saving = fetch(window.location.pathname, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": token}
    }).then(function (response) {
      return response.json().then(function (answer) {
        status.textContent = answer.message || status.getAttribute("data-failed");
        if (response.ok) { saved = body; }
        kept = !response.ok && answer.kept === true;
        return response.ok;
      });
    }).catch(function () {
      status.textContent = status.getAttribute("data-failed");
      kept = false;
      return false;
    }).then(function (ok) {
      saving = null;
      return ok;
    });
    return saving;
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(save, 2000);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", function () { clearTimeout(timer); });

  // Leaving through the step list saves first, so nothing typed is lost; if it cannot, the person stays.
  document.querySelectorAll(".step-list a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (serialise() === saved) { return; }
      event.preventDefault();
      save().then(function (ok) { if (ok) { window.location.href = link.href; } });
    });
  });

  // Switching language saves first too: the step comes back in the new language with the text saved, or, if it
  // was refused, with the text kept and the reasons in the new language; if neither, the person stays.
  var switcher = document.querySelector("form.language-switcher");
  var switching = false;
  if (switcher) {
    switcher.addEventListener("submit", function (event) {
      if (switching || serialise() === saved) { return; }
      event.preventDefault();
      var chosen = event.submitter;
      save().then(function (ok) {
        if (!ok && !kept) { return; }
        switching = true;
        if (switcher.requestSubmit) { switcher.requestSubmit(chosen); } else { switcher.submit(); }
      });
    });
  }
})();
