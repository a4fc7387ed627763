/* The practice page's behaviour: Check reads the answer with quizgenAnswers (the grader's
 * rules), shows right / partly right / wrong, a misconception's feedback when the answer
 * is a known mistake, or why the text could not be read. */
(function () {
  "use strict";
  var A = window.quizgenAnswers;
  var DATA = JSON.parse(document.getElementById("qz-data").textContent);
  var L = DATA.labels;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? String(values[k]) : m; });
  }
  function fmt(type, v) {
    if (v === null || v === undefined) return "";
    if (type === "shape") return v.join(" \u00d7 ");
    if (type === "vector") return "[" + v.join(", ") + "]";
    if (type === "matrix") return "[" + v.map(function (r) { return "[" + r.join(", ") + "]"; }).join(", ") + "]";
    if (type === "choice") return A.letters(v);
    if (type === "choices") return v.map(A.letters).join(", ");
    return String(v);
  }

  function check(i) {
    var q = DATA.questions[i];
    var item = document.getElementById("item-" + (i + 1));
    var input = item.querySelector(".answer");
    var out = item.querySelector(".result");
    var store = item.querySelector(".feedback-store");
    item.querySelectorAll(".mis").forEach(function (el) { el.hidden = true; store.appendChild(el); });
    out.className = "result";
    out.textContent = "";
    var p = A.parse(q.type, input.value, q.n_options);
    var line = document.createElement("div");
    if (!p.ok) {
      out.classList.add("invalid");
      out.dataset.state = "invalid";
      line.textContent = fill(L.invalid, { reason: fill(DATA.reasons[p.code] || p.code, { arg: p.arg }) });
      out.appendChild(line);
      return;
    }
    var s = A.compare(q.type, p.value, q.value, q.tol);
    var state, mis = -1;
    if (s.fraction === 1 && s.parts_correct === s.parts_total) {
      state = "correct";
      line.textContent = L.correct;
    } else {
      for (var k = 0; k < q.mis.length; k++) {
        if (A.matches(q.type, p.value, q.mis[k], q.tol)) { mis = k; break; }
      }
      if (mis < 0 && s.fraction > 0) {
        state = "partly";
        line.textContent = fill(L.partly, { k: s.parts_correct, n: s.parts_total });
      } else {
        state = "incorrect";
        line.textContent = L.incorrect;
      }
    }
    out.classList.add(state);
    out.dataset.state = state;
    out.appendChild(line);
    if (mis >= 0) {
      out.dataset.misconception = String(mis);
      var fb = item.querySelector('.mis[data-k="' + mis + '"]');
      if (fb) { fb.hidden = false; out.appendChild(fb); }
    } else {
      delete out.dataset.misconception;
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
