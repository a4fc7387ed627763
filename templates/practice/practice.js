/* The practice page's behaviour: Check scores the answer with quizgenAnswers.score (the
 * grader's reading and verdict), shows right / partly right / wrong, a misconception's
 * feedback when the answer equals a known mistake (also when it is partly right, as the
 * grader names it then too), entries that could not be read, why the text could not be
 * read at all, or, for an empty box, just to type an answer. */
(function () {
  "use strict";
  var A = window.quizgenAnswers;
  var DATA = JSON.parse(document.getElementById("qz-data").textContent);
  var L = DATA.labels;
  A.setUnitWords(DATA.unit_words);

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? String(values[k]) : m; });
  }
  function entry(x) { return x === null ? "_" : String(x); }  // "_": an entry that could not be read
  function fmt(type, v) {
    if (v === null || v === undefined) return "";
    if (type === "shape") return v.map(entry).join(" \u00d7 ");
    if (type === "vector") return "[" + v.map(entry).join(", ") + "]";
    if (type === "matrix") return "[" + v.map(function (r) { return "[" + r.map(entry).join(", ") + "]"; }).join(", ") + "]";
    if (type === "choice") return A.letters(v);
    if (type === "choices") return v.map(A.letters).join(", ");
    return String(v);
  }

  // Of a multiple-answer question: right options ticked (k), other options ticked (w) and
  // right options (n); null when no right option was ticked (then "Not correct." says it).
  function tickCounts(q, given) {
    var seen = {}, k = 0, w = 0;
    (given || []).forEach(function (g) {
      if (seen[g]) return;
      seen[g] = true;
      if (q.value.indexOf(g) >= 0) k++; else w++;
    });
    return k ? { k: k, w: w, n: q.value.length } : null;
  }
  function reason(p) { return fill(DATA.reasons[p.code] || p.code, { arg: p.arg }); }

  function check(i) {
    var q = DATA.questions[i];
    var item = document.getElementById("item-" + (i + 1));
    var input = item.querySelector(".answer");
    var out = item.querySelector(".result");
    var store = item.querySelector(".feedback-store");
    item.querySelectorAll(".mis").forEach(function (el) { el.hidden = true; store.appendChild(el); });
    out.className = "result";
    out.textContent = "";
    delete out.dataset.misconception;
    var m = A.score(q, input.value);
    var p = m.parsed;
    var line = document.createElement("div");
    if (m.status === "invalid" || m.status === "blank") {
      out.classList.add("invalid");
      out.dataset.state = "invalid";
      line.textContent = m.status === "blank" ? L.blank_answer : fill(L.invalid, { reason: reason(p) });
      out.appendChild(line);
      return;
    }
    var state = { correct: "correct", partial: "partly", wrong: "incorrect" }[m.status];
    var ticks = q.type === "choices" && state !== "correct" ? tickCounts(q, p.value) : null;
    if (state === "correct") line.textContent = L.correct;
    else if (ticks) {  // multiple answers: say what the wrong ticks cost, as the grader does
      var key = state === "partly" ? (ticks.w ? "partly_ticks_wrong" : "partly_ticks") : "incorrect_ticks";
      line.textContent = fill(L[key], ticks);
    }
    else if (state === "partly") line.textContent = fill(L.partly, { k: m.parts[0], n: m.parts[1] });
    else line.textContent = L.incorrect;
    out.classList.add(state);
    out.dataset.state = state;
    out.appendChild(line);
    if (m.note) {  // some entries could not be read: they count as wrong
      var unread = document.createElement("div");
      unread.className = "unread";
      unread.textContent = fill(L.entry_unread, { reason: reason(m.note) });
      out.appendChild(unread);
    }
    var mis = m.misconception;
    if (mis >= 0) {
      out.dataset.misconception = String(mis);
      var fb = item.querySelector('.mis[data-k="' + mis + '"]');
      if (fb) { fb.hidden = false; out.appendChild(fb); }
    }
    var read = document.createElement("div");
    read.className = "readas";
    read.textContent = fill(L.read_as, { value: fmt(q.type, p.value) });
    out.appendChild(read);
  }

  document.querySelectorAll("article.item").forEach(function (item, i) {
    item.querySelector("button.check").addEventListener("click", function () { check(i); });
    var input = item.querySelector(".answer");
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (input.tagName === "INPUT" || e.ctrlKey || e.metaKey)) { e.preventDefault(); check(i); }
    });
    var btn = item.querySelector("button.show"), sol = item.querySelector(".solution");
    btn.addEventListener("click", function () {
      sol.hidden = !sol.hidden;
      btn.textContent = sol.hidden ? L.show_solution : L.hide_solution;
      btn.setAttribute("aria-expanded", String(!sol.hidden));
    });
  });
  window.quizgenPractice = { check: check, data: DATA };
})();
