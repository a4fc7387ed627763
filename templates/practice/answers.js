/* quizgen answer checking in the browser: a line-by-line port of quizgen/answers.py
 * (parse, compare, matches) and of quizgen/grading/scoring.py's score (the verdict: correct,
 * partial, wrong, invalid or blank, with the misconception named even when partly right),
 * so the practice page accepts and credits exactly what the grader does.
 * tests/test_practice_js.py runs both on the same table of inputs and requires agreement.
 * Python's \d, \s and \w are Unicode-aware; the classes below spell out the same sets.
 */
(function (root) {
  "use strict";
  var MAX_LEN = 4000;
  // Python str.isspace() / re \s for str patterns.
  var S_IN = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var S = "[" + S_IN + "]";
  var D = "\\p{Nd}";
  var ZEROS = root.QUIZGEN_DIGIT_ZEROS || [48];  // first code point of every Nd run of ten

  function full(src, flags) { return new RegExp("^(?:" + src + ")$", "u" + (flags || "")); }
  function glob(src, flags) { return new RegExp(src, "gu" + (flags || "")); }
  function sd(src) { return src.replace(/\\s/g, S).replace(/\\d/g, D); }

  var TRANSLATE = {
    "\u2212": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\ufe63": "-", "\uff0d": "-",
    "\u00d7": "x", "\u2a2f": "x", "\u2715": "x", "\u00b7": "*", "\u22c5": "*",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\u3000": " ",
    "\uff0c": ",", "\uff1b": ";", "\u2018": "'", "\u2019": "'", "\u2044": "/"
  };
  var TRANSLATE_RE = new RegExp("[" + Object.keys(TRANSLATE).join("") + "]", "gu");
  // answers.py _SCRIPT: superscripts, subscripts, circled digits, a vulgar fraction after a digit
  var SCRIPT_RE = /[\u00b2\u00b3\u00b9\u2070-\u209f\u2460-\u24ff\u2776-\u2793\u3251-\u325f\u32b1-\u32bf]|\p{Nd}[\u00bc-\u00be\u2150-\u215f\u2189]/u;
  var STRIP_RE = new RegExp("^" + S + "+|" + S + "+$", "gu");

  function translate(s) { return s.replace(TRANSLATE_RE, function (c) { return TRANSLATE[c]; }); }
  function pyStrip(s) { return s.replace(STRIP_RE, ""); }
  function isAscii(s) { return /^[\x00-\x7f]*$/.test(s); }
  function cpLen(s) { return Array.from(s).length; }

  function clean(text) {
    if (text === null || text === undefined) return "";
    if (typeof text !== "string") text = String(text);
    if (!isAscii(text)) text = translate(translate(text).normalize("NFKC"));
    return pyStrip(text);
  }

  function digitValue(c) {
    var cp = c.codePointAt(0), best = -1;
    for (var i = 0; i < ZEROS.length; i++) {
      if (ZEROS[i] <= cp && cp < ZEROS[i] + 10) best = cp - ZEROS[i];
    }
    return best;
  }
  function asciiDigits(s) {
    return s.replace(/\p{Nd}/gu, function (c) { return c >= "0" && c <= "9" ? c : String(digitValue(c)); });
  }
  function pyFloat(s) { return Number(asciiDigits(s)); }
  function pyInt(s) { return parseInt(asciiDigits(s), 10); }

  function Bad(code, arg) {
    arg = arg === undefined ? "" : String(arg);
    var chars = Array.from(arg);
    this.code = code;
    this.arg = chars.length <= 40 ? arg : chars.slice(0, 37).join("") + "...";
  }

  // ------------------------------------------------------------ numbers
  var NUM = "[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?";
  var PLAIN = full(sd(NUM));
  var PLAIN_INT = full(sd("[+-]?\\d+"));
  var FRACTION = full(sd("(" + NUM + ")\\s*/\\s*(" + NUM + ")"));
  var POW10 = full(sd("(" + NUM + ")\\s*[*x]\\s*10\\s*(?:\\^|\\*\\*)\\s*\\(?\\s*([+-]?\\d+)\\s*\\)?"));
  var SPACE_GROUPS = full(sd("([+-]?\\d{1,3}(?:[ ']\\d{3})+)((?:[.,]\\d+)?(?:[eE][+-]?\\d+)?)"));
  var COMMA_GROUPS = full(sd("[+-]?\\d{1,3}(?:,\\d{3})+(?:\\.\\d*)?(?:[eE][+-]?\\d+)?"));
  var DOT_GROUPS = full(sd("[+-]?\\d{1,3}(?:\\.\\d{3})+,\\d+"));
  var DEC_COMMA = full(sd("([+-]?\\d*),(\\d+(?:[eE][+-]?\\d+)?)"));

  function count(s, ch) { return s.split(ch).length - 1; }

  // dc: the question asks for decimals, so a lone group d,ddd holds a decimal comma.
  function canonical(s, whole, dc) {
    var m = SPACE_GROUPS.exec(s);
    if (m) return m[1].replace(/ /g, "").replace(/'/g, "") + m[2].replace(/,/g, ".");
    if (COMMA_GROUPS.test(s)) {
      if (count(s, ",") > 1 || s.indexOf(".") >= 0) return s.replace(/,/g, "");
      var head = s.split(",")[0].replace(/^[+-]+/, "").replace(/^0+|0+$/g, "");
      if (head === "") return s.replace(/,/g, ".");
      if (whole) return s.replace(/,/g, "");  // 1,250 is 1250 for an integer
      return dc ? s.replace(/,/g, ".") : null;  // with decimals asked: 1.250; else ambiguous
    }
    if (DOT_GROUPS.test(s)) return s.replace(/\./g, "").replace(/,/g, ".");
    m = DEC_COMMA.exec(s);
    if (m) return m[1] + "." + m[2];
    return null;
  }

  function finish(x, s, whole) {
    if (!isFinite(x)) throw new Bad("finite", s);
    if (whole) {
      if (!Number.isInteger(x)) throw new Bad("whole", s);
      return x;
    }
    return x;
  }

  function number(s, whole, dc) {
    var canon, m;
    if (PLAIN.test(s)) {
      canon = s;
    } else {
      m = FRACTION.exec(s);
      if (m) {
        var den = pyFloat(m[2]);
        if (den === 0) throw new Bad("zero_div", s);
        return finish(pyFloat(m[1]) / den, s, whole);
      }
      m = POW10.exec(s);
      if (m) {
        var exp = pyInt(m[2]);
        if (Math.abs(exp) > 400) throw new Bad("finite", s);
        // like Python's float("ae±k"): one rounding, overflow to Infinity
        return finish(pyFloat(asciiDigits(m[1]) + "e" + exp), s, whole);
      }
      canon = canonical(s, whole, dc);
      if (canon === null) throw new Bad(COMMA_GROUPS.test(s) ? "ambiguous" : "number", s);
    }
    if (whole && PLAIN_INT.test(canon)) return pyInt(canon);
    return finish(pyFloat(canon), s, whole);
  }

  // ------------------------------------------------------------ lists
  var PREFIX = new RegExp(sd("^(?:torch\\.)?(?:Size|tensor)\\s*(?=\\()|^(?:np\\.|numpy\\.)?array\\s*(?=\\()"), "iu");
  var SEP_X = glob(sd("\\s*[xX*]\\s*|\\s+"));
  var SEP_COMMA = glob(sd("\\s*,\\s*|\\s+"));
  var SEP_SPACED = glob(sd("\\s*,\\s+|\\s+"));  // a comma with a space after it, or spaces
  var DIGIT_COMMA = new RegExp(sd("\\d,\\d"), "u");
  var ROW_SEP = glob(sd("\\s*(?:;|\\r?\\n|\\r)\\s*"));
  var INNER = glob("\\[([^\\[\\]]*)\\]");
  var BETWEEN_ROWS = full("[" + S_IN + ",;()\\[\\]]*");
  var WS_SPLIT = glob(S + "+");
  var OPEN = "([{", CLOSE = ")]}";

  function unwrap(s) {
    s = s.replace(PREFIX, "");
    while (s.length >= 2 && OPEN.indexOf(s[0]) >= 0 && s[s.length - 1] === CLOSE[OPEN.indexOf(s[0])]) {
      s = pyStrip(s.slice(1, -1));
    }
    return s.replace(/[,;]+$/, "").replace(new RegExp(S + "+$", "u"), "");
  }

  function pySplitWs(s) { return s.split(WS_SPLIT).filter(function (w) { return w !== ""; }); }

  function tokens(s) {
    if (s.indexOf(";") >= 0) return s.split(";").map(pyStrip);
    if (s.indexOf(",") >= 0) {
      var words;
      if (s.indexOf(", ") < 0) {  // "1, 2" is a list; "0,5 0,25" may hold decimal commas
        words = pySplitWs(s);
      } else if (DIGIT_COMMA.test(s)) {  // "0,206, 1,076": spaced commas separate entries
        words = s.split(SEP_SPACED);
      } else {
        words = [];
      }
      if (words.length > 1 && words.every(function (w) {
        return w && count(w, ",") <= 1 && w[0] !== "," && w[w.length - 1] !== ",";
      })) return words;
      return s.split(SEP_COMMA);
    }
    return s.split(SEP_X);
  }

  // With bad (an array), an entry that cannot be read becomes null and its reason is
  // pushed onto bad, so the other entries can still score.
  function numbers(s, whole, original, dc, bad) {
    return tokens(s).map(function (p) {
      try {
        if (!p) throw new Bad("empty_part", original);
        return number(p, whole, dc);
      } catch (e) {
        if (!(e instanceof Bad) || !bad) throw e;
        bad.push(e);
        return null;
      }
    });
  }

  // Python's str() of a whole number held in a double (exact digits beyond 2^53).
  function intStr(v) { return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString(); }

  var SHAPE_FAST = full(sd("[(\\[]?\\s*[1-9]\\d{0,8}(?:\\s*[xX,]\\s*[1-9]\\d{0,8})*\\s*[)\\]]?"));
  var DIGIT_RUNS = /\p{Nd}+/gu;

  /* "32 by 13", "32 \\times 13", "$32 \\times 13$": the same as "32 x 13" (answers._shape_words). */
  var SHAPE_WORDS = /(?<=\p{Nd})\s*(?:by|\\times|\\cdot)\s*(?=\p{Nd})/giu;  // \d of Python: any digit
  function shapeWords(s) {
    if (s.length > 1 && s.charAt(0) === "$" && s.charAt(s.length - 1) === "$") {
      s = pyStrip(s.replace(/^\$+|\$+$/g, ""));
    }
    return s.replace(SHAPE_WORDS, " x ");
  }

  function parseShape(s, dc, bad) {
    if (SHAPE_FAST.test(s)) return (s.match(DIGIT_RUNS) || []).map(pyInt);
    var body = unwrap(s);
    if (!body) throw new Bad("empty_part", s);
    var out;
    try {
      out = numbers(body, true, s, false, bad);
    } catch (e) {
      if (e instanceof Bad && e.code === "whole") throw new Bad("positive", e.arg);
      throw e;
    }
    for (var i = 0; i < out.length; i++) {
      var v = out[i];
      if (v !== null && v <= 0) {
        if (!bad) throw new Bad("positive", intStr(v));
        bad.push(new Bad("positive", intStr(v)));
        out[i] = null;
      }
    }
    if (bad) {
      for (var k = 0; k < bad.length; k++) {
        if (bad[k].code === "whole") bad[k] = new Bad("positive", bad[k].arg);
      }
    }
    return out;
  }

  function parseVector(s, dc, bad) {
    var body = unwrap(s);
    if (!body) throw new Bad("empty_part", s);
    return numbers(body, false, s, dc, bad);
  }

  function parseMatrix(s, dc, bad) {
    var body = s.replace(PREFIX, ""), rows;
    if (count(body, "[") >= 2) {
      rows = [];
      var m;
      INNER.lastIndex = 0;
      while ((m = INNER.exec(body)) !== null) rows.push(m[1]);
      if (!rows.length || !BETWEEN_ROWS.test(body.replace(INNER, ""))) throw new Bad("brackets", s);
    } else {
      body = unwrap(body);
      rows = body ? body.split(ROW_SEP).filter(function (r) { return r; }) : [];
    }
    if (!rows.length) throw new Bad("empty_part", s);
    var out = rows.map(function (row) { return numbers(pyStrip(row).replace(/,+$/, ""), false, s, dc, bad); });
    if (out.some(function (r) { return r.length !== out[0].length; })) throw new Bad("ragged", s);
    return out;
  }

  // answers.py _WORD_AFTER: one or two words of letters after a whole shape, vector or matrix
  // ("64 x 6 channels", "(16, 32, 32) activations") make the answer unreadable, naming them;
  // a word where an entry goes ("1 2; 3 four", "16 x 32 x ab") stays one unreadable entry.
  var WORD_AFTER = new RegExp("^(.*?[\\p{Nd})\\]])(" + S + "*)((?![xX](?:" + S + "|$))\\p{L}+(?:" +
                              S + "+\\p{L}+)?)$", "su");
  var LETTER_END = /\p{L}$/u;

  function wordAfter(type, reader, s, n, dc) {
    var m = WORD_AFTER.exec(s);
    if (!m) return;
    var head = m[1], gap = m[2], word = m[3];
    if (!gap && (word[0] === "x" || word[0] === "X") && ")]".indexOf(head[head.length - 1]) < 0) {
      return;  // "16x32xfifty": the x separates entries
    }
    if (type === "matrix" && /[\r\n]/.test(gap + word)) return;  // a line break starts a row
    try {
      reader(head, n, dc, null);
    } catch (e) {
      if (e instanceof Bad) return;
      throw e;
    }
    throw new Bad("word", word);
  }

  // ------------------------------------------------------------ choices
  var ONE_CHOICE = full(sd("\\(?\\s*([A-Za-z]|\\d+)\\s*(?:[).:]|[).:]\\s+[^" + S_IN + "][^]*)?"));
  var CHOICE_SEP = glob("[" + S_IN + ",;/&+]+|(?<![\\p{L}\\p{N}_])and(?![\\p{L}\\p{N}_])|와|과|및", "i");
  var TRIM = /^[().:\[\]{}]+|[().:\[\]{}]+$/g;

  function index(tok, n) {
    var idx = /^[A-Za-z]$/.test(tok) ? tok.toUpperCase().charCodeAt(0) - 65 : pyInt(tok) - 1;
    if (idx < 0 || (n !== null && n !== undefined && idx >= n)) return null;
    return idx;
  }

  function parseChoices(s, n) {
    var toks = unwrap(s).split(CHOICE_SEP).map(function (t) { return t.replace(TRIM, ""); })
      .filter(function (t) { return t; });
    if (!toks.length) throw new Bad("option", s);
    var singles;
    if (toks.every(function (t) { return /^([A-Z]+|[a-z]+)$/.test(t) && t.length <= 26; })) {
      singles = [];
      toks.forEach(function (t) { Array.from(t).forEach(function (c) { singles.push(c); }); });
    } else if (toks.every(function (t) { return /^\p{Nd}+$/u.test(t) && cpLen(t) < 6; })) {
      singles = toks;
    } else {
      throw new Bad("option", s);
    }
    var picked = {};
    singles.forEach(function (t) {
      var idx = index(t, n);
      if (idx === null) throw new Bad("no_option", t);
      picked[idx] = true;
    });
    return Object.keys(picked).map(Number).sort(function (a, b) { return a - b; });
  }

  function parseChoice(s, n) {
    var m = ONE_CHOICE.exec(s);
    if (!m) {
      try {
        parseChoices(s, n);
      } catch (e) {
        if (e instanceof Bad) throw new Bad("option", s);
        throw e;
      }
      throw new Bad("one_option", s);
    }
    var idx = cpLen(m[1]) < 6 ? index(m[1], n) : null;
    if (idx === null) throw new Bad("no_option", m[1]);
    return idx;
  }

  // ------------------------------------------------------------ public API
  // reader(text, n_options, decimal comma for d,ddd, array collecting unreadable entries or null)
  var READERS = {
    real: function (s, n, dc) { return number(s, false, dc); },
    integer: function (s) { return number(s, true, false); },
    shape: function (s, n, dc, bad) { return parseShape(s, false, bad); },
    vector: function (s, n, dc, bad) { return parseVector(s, dc, bad); },
    matrix: function (s, n, dc, bad) { return parseMatrix(s, dc, bad); },
    choice: function (s, n) { return parseChoice(s, n); },
    choices: function (s, n) { return parseChoices(s, n); }
  };

  /* answers.parse(type, text, n_options=, decimals=, per_entry=): {ok, value, code, arg}.
   * decimals > 0: "3,112" reads with a decimal comma (3.112) instead of being ambiguous.
   * perEntry (shapes, vectors, matrices): an unreadable entry becomes null and the result
   * is ok with the code/arg of the first such entry (it fails only when none can be read). */
  function parse(type, text, nOptions, decimals, perEntry) {
    var reader = READERS[type];
    if (!reader) throw new Error("unknown answer type " + type);
    var dc = !!(decimals && decimals > 0);
    var s = clean(text);
    if (type === "shape" && /[$\\yY]/.test(s)) s = shapeWords(s);
    if (!s) return { ok: false, value: null, code: "blank", arg: "" };
    if (!isAscii(text) && SCRIPT_RE.test(String(text))) {
      var raw = pyStrip(String(text));
      return { ok: false, value: null, code: "script", arg: new Bad("script", raw).arg };
    }
    if (cpLen(s) > MAX_LEN) return { ok: false, value: null, code: "too_long", arg: "" };
    var bad = perEntry ? [] : null, value;
    var n = nOptions === undefined ? null : nOptions;
    try {
      if ((type === "shape" || type === "vector" || type === "matrix") && LETTER_END.test(s)) {
        wordAfter(type, reader, s, n, dc);
      }
      value = reader(s, n, dc, bad);
    } catch (e) {
      if (e instanceof Bad) return { ok: false, value: null, code: e.code, arg: e.arg };
      throw e;
    }
    if (!bad || !bad.length) return { ok: true, value: value, code: "", arg: "" };
    var entries = type === "matrix" ? [].concat.apply([], value) : value;
    if (entries.every(function (v) { return v === null; })) {
      return { ok: false, value: null, code: bad[0].code, arg: bad[0].arg };  // nothing read
    }
    return { ok: true, value: value, code: bad[0].code, arg: bad[0].arg };
  }

  // |x - a| <= abs + rel * |a|, with answers.py's slack and its order of float operations.
  function close(x, a, tol) {
    return Math.abs(x - a) <= tol.abs + 1e-12 + (tol.rel + 1e-9) * Math.abs(a);
  }

  function parts(type, value) {
    if (type === "matrix" && Array.isArray(value)) {
      var n = 0;
      value.forEach(function (r) { if (Array.isArray(r)) n += r.length; });
      return n || 1;
    }
    if ((type === "shape" || type === "vector" || type === "choices") && Array.isArray(value)) {
      return Math.max(value.length, 1);
    }
    return 1;
  }

  function credit(fraction, hits, n) { return { fraction: fraction, parts_correct: hits, parts_total: n }; }

  // Both matrices flattened, or null when their row structure differs.
  function rowsFlat(given, correct) {
    if (!Array.isArray(given) || given.length !== correct.length) return null;
    var g = [], c = [];
    for (var i = 0; i < given.length; i++) {
      if (!Array.isArray(given[i]) || given[i].length !== correct[i].length) return null;
      g = g.concat(given[i]);
      c = c.concat(correct[i]);
    }
    return [g, c];
  }

  function sameList(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // Every component equal (tol null) or within tol; a null entry (unreadable) never is.
  function allClose(given, value, tol) {
    for (var i = 0; i < given.length; i++) {
      var x = given[i];
      if (tol === null ? x !== value[i] : (x === null || !close(x, value[i], tol))) return false;
    }
    return true;
  }

  /* answers.compare: credit for given against correct, per part for lists (a null entry
   * of a per-entry read is a wrong part). */
  function compare(type, given, correct, tol) {
    if (given === null || given === undefined) return credit(0, 0, parts(type, correct));
    if (type === "real") return close(given, correct, tol) ? credit(1, 1, 1) : credit(0, 0, 1);
    if (type === "integer" || type === "choice") return given === correct ? credit(1, 1, 1) : credit(0, 0, 1);
    if (type === "choices") {
      var want = {};
      correct.forEach(function (c) { want[c] = true; });
      var nWant = Object.keys(want).length;
      var right = given.filter(function (g) { return want[g] === true; }).length;
      var wrong = given.length - right;
      if (!nWant) return credit(given.length ? 0 : 1, 0, 0);
      return credit(Math.max(0, (right - wrong) / nWant), right, nWant);
    }
    if (type === "matrix") {
      var f = rowsFlat(given, correct);
      if (f === null) return credit(0, 0, parts("matrix", correct));
      given = f[0]; correct = f[1];
    } else if (type !== "shape" && type !== "vector") {
      throw new Error("unknown answer type " + type);
    }
    var n = correct.length;
    if (n && sameList(given, correct)) return credit(1, n, n);
    if (given.length !== n || n === 0) return credit(0, 0, Math.max(n, 1));
    var hits = 0;
    for (var i = 0; i < n; i++) {
      var x = given[i];
      if (type === "shape" ? x === correct[i] : (x !== null && close(x, correct[i], tol))) hits++;
    }
    return credit(hits / n, hits, n);
  }

  function uniqSorted(a) {
    var seen = {};
    a.forEach(function (x) { seen[x] = true; });
    return Object.keys(seen).map(Number).sort(function (x, y) { return x - y; });
  }

  // answers.matches: given equals value in every part (how misconceptions are recognised).
  function matches(type, given, value, tol) {
    if (given === null || given === undefined || value === null || value === undefined) return false;
    if (type === "real") return close(given, value, tol);
    if (type === "integer" || type === "choice") return given === value;
    if (type === "choices") return sameList(uniqSorted(given), uniqSorted(value));
    var exact = type === "shape" ? null : tol;
    if (type === "matrix") {
      if (!Array.isArray(given) || given.length !== value.length) return false;
      for (var i = 0; i < given.length; i++) {
        if (!Array.isArray(given[i]) || given[i].length !== value[i].length ||
            !allClose(given[i], value[i], exact)) return false;
      }
      return true;
    }
    return given.length === value.length && allClose(given, value, exact);
  }

  var MULTIPART = { shape: true, vector: true, matrix: true };

  /* quizgen.grading.scoring.score for one typed answer. q is the page's check data
   * ({type, value, tol, n_options, decimals, mis}); policy is optional ({multipart:
   * "proportional" | "all", choice_penalty}). Returns {status, fraction, parts, misconception,
   * note, parsed}: status is correct, partial, wrong, invalid or blank; fraction the share of
   * the points (below 0 only for a penalised wrong choice); parts [right, total] of a partial
   * answer; misconception the index in q.mis of the first known mistake the answer equals
   * (-1: none), named for partial and wrong answers alike; note the parse ({code, arg}) when
   * some entries could not be read (they count as wrong). */
  // grading/scoring.py _without_unit: a plain noun or unit after the answer ("114 parameters")
  // is left out when it is on the grader's list (setUnitWords) and what is left reads fully.
  var UNIT_WORDS = {};
  var UNIT_RE = /^(.*?[\p{Nd})\]])\s*(\p{L}+(?:\s+\p{L}+)?)$/su;
  function setUnitWords(words) {
    UNIT_WORDS = {};
    (words || []).forEach(function (w) { UNIT_WORDS[w] = true; });
  }
  function withoutUnit(q, text) {
    var t = pyStrip(String(text));
    if (/\p{L}\.$/u.test(t)) t = t.slice(0, -1);
    if (!/\p{L}$/u.test(t)) return null;
    var m = UNIT_RE.exec(t);
    if (!m) return null;
    if (!UNIT_WORDS[m[2].toLowerCase().split(/\s+/).join(" ")]) return null;
    var p = parse(q.type, m[1], q.n_options, q.decimals, true);
    return p.ok && !p.code ? { parsed: p, unit: m[2] } : null;
  }

  // (rows, columns) of a matrix, (n) of a list; null when ragged (grading/scoring.size_of).
  function sizeOf(type, value) {
    if (!Array.isArray(value)) return null;
    if (type !== "matrix") return String(value.length);
    if (!value.length || !value.every(Array.isArray)) return null;
    var cols = value[0].length;
    return value.every(function (r) { return r.length === cols; }) ? value.length + "x" + cols : null;
  }

  // A number written as a word where the key's last entry goes (scoring._word_as_entry):
  // the numbers before it one short of the key's size: one unreadable entry.
  var NUMBER_WORD_RE = new RegExp("^(?:(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|" +
    "eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|" +
    "forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)+|[영공일이삼사오육칠팔구십백천만]+" +
    "|(?:열|스물|서른|마흔|쉰|예순|일흔|여든|아흔)(?:하나|둘|셋|넷|다섯|여섯|일곱|여덟|아홉)?" +
    "|하나|둘|셋|넷|다섯|여섯|일곱|여덟|아홉)$", "iu");
  var WORD_SPLIT_RE = new RegExp(S + "+", "u");
  function wordAsEntry(q, text, p) {
    var word = p.arg, t = pyStrip(String(text));
    if (q.type === "matrix" || !word || t.slice(t.length - word.length) !== word) return p;
    var words = pyStrip(word).split(WORD_SPLIT_RE);
    if (!words.every(function (w) { return NUMBER_WORD_RE.test(w); })) return p;
    var head = parse(q.type, t.slice(0, t.length - word.length), q.n_options, q.decimals, true);
    if (!head.ok || head.code) return p;
    var value = head.value.concat([null]);
    if (sizeOf(q.type, value) !== sizeOf(q.type, q.value)) return p;
    return { ok: true, value: value, code: "number", arg: word };
  }

  /* answers.option_text_key: an option written out ("Yes", "예") is compared as this. */
  function optionTextKey(text) {
    var t = clean(text).split("$").join("").split("`").join("").split("**").join("");
    t = t.split(/\s+/).filter(function (w) { return w; }).join(" ");
    return t.replace(/\.+$/, "").replace(/\s+$/, "").toLowerCase();
  }

  function optionByText(text, keys) {
    var key = optionTextKey(text), hit = -1;
    if (!key) return -1;
    for (var i = 0; i < keys.length; i++) {
      if (keys[i] === key) { if (hit >= 0) return -1; hit = i; }
    }
    return hit;
  }

  function score(q, text, policy) {
    policy = policy || {};
    var p = parse(q.type, text, q.n_options, q.decimals, true), unit = "";
    if ((!p.ok || p.code) && p.code !== "blank" && typeof text === "string" &&
        q.type !== "choice" && q.type !== "choices") {
      var bare = withoutUnit(q, text);
      if (bare) { p = bare.parsed; unit = bare.unit; }
      else if (p.code === "word" && MULTIPART[q.type]) p = wordAsEntry(q, text, p);
    } else if (!p.ok && p.code !== "blank" && typeof text === "string" && q.type === "choice" &&
               q.option_keys) {
      var idx = optionByText(text, q.option_keys);
      if (idx >= 0) p = { ok: true, value: idx, code: "", arg: "" };
    }
    var out = { status: "", fraction: 0, parts: null, misconception: -1, note: null, parsed: p, unit: unit };
    if (!p.ok) {
      out.status = p.code === "blank" ? "blank" : "invalid";
      return out;
    }
    var s = compare(q.type, p.value, q.value, q.tol);
    var fraction = s.fraction;
    if (fraction < 1 && MULTIPART[q.type] && policy.multipart === "all") fraction = 0;
    if (fraction >= 1) {
      out.status = "correct";
      out.fraction = 1;
      return out;
    }
    out.note = p.code ? p : null;
    var mis = q.mis || [];
    for (var k = 0; k < mis.length; k++) {
      if (matches(q.type, p.value, mis[k], q.tol)) { out.misconception = k; break; }
    }
    if (fraction > 0) {
      out.status = "partial";
      out.fraction = fraction;
      out.parts = [s.parts_correct, s.parts_total];
      return out;
    }
    out.status = "wrong";
    out.fraction = q.type === "choice" ? -(policy.choice_penalty || 0) : 0;
    return out;
  }

  function letters(i) {
    var out = "";
    i += 1;
    while (i > 0) { var r = (i - 1) % 26; i = Math.floor((i - 1) / 26); out = String.fromCharCode(65 + r) + out; }
    return out;
  }

  root.quizgenAnswers = {
    parse: parse, compare: compare, matches: matches, score: score, clean: clean, letters: letters,
    setUnitWords: setUnitWords
  };
})(typeof window !== "undefined" ? window : this);
