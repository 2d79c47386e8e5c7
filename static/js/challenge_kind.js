// Progressive disclosure on the challenge form: an expected pilot duration, evaluation criteria and success measures
// are offered only for a kind that ranks pitches and leads to pilots (a call for solutions). Choosing a market consultation hides them and says why; choosing
// a call for solutions again shows them open, with whatever was typed in them still there (hidden, not cleared).
// Without this script the page works too: the fields stay, the server ignores them for a consultation and says so.
(function () {
  "use strict";
  var fields = document.getElementById("ranking-fields");
  var none = document.getElementById("ranking-none");
  if (!fields || !none) { return; }
  var radios = document.querySelectorAll('input[name="' + fields.dataset.kindField + '"]');
  var ranking = (fields.dataset.rankingKinds || "").split(" ");

  function update() {
    var chosen = document.querySelector('input[name="' + fields.dataset.kindField + '"]:checked');
    var ranks = !chosen || ranking.indexOf(chosen.value) !== -1;
    fields.hidden = !ranks;
    none.hidden = ranks;
    if (ranks) { fields.open = true; }
  }

  radios.forEach(function (radio) { radio.addEventListener("change", update); });
  update();
})();
