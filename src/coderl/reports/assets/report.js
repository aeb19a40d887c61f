// coderl run report: the sample browser. The samples are the JSON in #samples-data; only
// the page on screen is turned into DOM, so 10,000 samples open as fast as ten.
"use strict";
(function () {
  const PAGE = 20;
  const node = document.getElementById("samples-data");
  const list = document.getElementById("sample-list");
  if (!node || !list) return;
  const samples = JSON.parse(node.textContent);
  const problems = JSON.parse(document.getElementById("problems-data").textContent);
  const $ = (id) => document.getElementById(id);
  const state = { policy: "", verdict: "", problem: "", page: 0 };

  const KEYWORDS = {
    python: "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield self print len range",
    c: "auto break case char const continue default do double else enum extern float for goto if inline int long register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while include define",
    cpp: "auto bool break case catch char class const constexpr continue default delete do double else enum explicit extern false float for friend goto if inline int long namespace new nullptr operator private protected public return short signed sizeof static struct switch template this throw true try typedef typename union unsigned using virtual void volatile while std vector string include define",
    java: "abstract boolean break byte case catch char class continue default do double else enum extends final finally float for if implements import instanceof int interface long new null package private protected public return short static super switch this throw throws true false try void while String",
  };
  const keywordSets = {};
  for (const lang in KEYWORDS) keywordSets[lang] = new Set(KEYWORDS[lang].split(" "));

  // One pass over the program: comments, strings, numbers, words; everything else is plain.
  function tokenize(code, language) {
    const hash = language === "python";
    const pattern = hash
      ? /(#[^\n]*)|("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|(\b\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?\b)|([A-Za-z_]\w*)/g
      : /(\/\/[^\n]*|\/\*[\s\S]*?\*\/)|("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|(\b\d[\d_]*(?:\.\d+)?[fFlLuU]*\b)|([A-Za-z_]\w*)/g;
    const words = keywordSets[language] || keywordSets.python;
    const tokens = [];
    let last = 0;
    let m;
    while ((m = pattern.exec(code)) !== null) {
      if (m.index > last) tokens.push(["", code.slice(last, m.index)]);
      const cls = m[1] ? "com" : m[2] ? "str" : m[3] ? "num" : words.has(m[4]) ? "kw" : "";
      tokens.push([cls, m[0]]);
      last = pattern.lastIndex;
    }
    if (last < code.length) tokens.push(["", code.slice(last)]);
    return tokens;
  }

  function esc(text) {
    return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  }

  // Numbered lines, each closing and reopening the spans that cross it; the error line marked.
  function codeHtml(code, language, errorLine) {
    const lines = [[]];
    for (const [cls, text] of tokenize(code, language)) {
      text.split("\n").forEach((piece, i) => {
        if (i > 0) lines.push([]);
        if (piece) lines[lines.length - 1].push(cls ? `<span class="${cls}">${esc(piece)}</span>` : esc(piece));
      });
    }
    if (lines.length > 1 && lines[lines.length - 1].length === 0) lines.pop();
    return lines
      .map((parts, i) => `<span class="ln${i + 1 === errorLine ? " err" : ""}" data-n="${i + 1}">${parts.join("") || " "}</span>`)
      .join("");
  }

  function heatHtml(tokens) {
    const spans = tokens
      .map(([text, score]) => {
        const s = Math.max(0, Math.min(1, Number(score)));
        const hue = Math.round(120 * s);
        return `<span class="tok" style="background:hsla(${hue},85%,50%,0.35)" title="${s.toFixed(3)}">${esc(text)}</span>`;
      })
      .join("");
    return `<div class="heat"><div class="heat-scale">critic token scores: red 0 (likely wrong) · green 1 (likely right); hover for the value</div><pre>${spans}</pre></div>`;
  }

  // The first failing test (not for a program that never ran) and the error with its line.
  function failureHtml(s) {
    const rows = [];
    const error = s.error ? `${s.error.type}: ${s.error.message}` : "";
    if (s.failed && s.verdict !== "compile_error") {
      rows.push(["failed test", `#${s.failed.index + 1}`]);
      if (s.failed.input) rows.push(["input", s.failed.input]);
      if (s.failed.expected) rows.push(["expected", s.failed.expected]);
      if (s.failed.actual && s.failed.actual !== error) rows.push(["actual", s.failed.actual]);
      if (!s.failed.actual && s.verdict === "wrong_answer") rows.push(["actual", "(the judge keeps no output of this test)"]);
    }
    if (s.error) rows.push(["error", error + (s.error.line ? ` (line ${s.error.line})` : "")]);
    if (!rows.length) return "";
    return `<div class="failure"><table>${rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(String(v))}</td></tr>`).join("")}</table></div>`;
  }

  function sampleHtml(s) {
    const errorLine = s.error && s.error.line ? s.error.line : 0;
    const code = s.program ? `<pre class="code">${codeHtml(s.program, s.language, errorLine)}</pre>` : `<p class="muted">(no program in the samples file)</p>`;
    return (
      `<div class="sample" data-verdict="${esc(s.verdict)}" data-policy="${esc(s.policy)}" data-problem="${esc(s.problem)}">` +
      `<div class="sample-head"><span class="verdict ${esc(s.verdict)}">${esc(s.verdict)}</span>` +
      `<span class="where">${esc(s.problem)} #${s.index}</span><span class="muted">${esc(s.policy)}</span>` +
      `<span class="muted">${esc((problems[s.problem] || [""])[0])}</span></div>` +
      code + failureHtml(s) + (s.tokens ? heatHtml(s.tokens) : "") + `</div>`
    );
  }

  function matching() {
    return samples.filter(
      (s) =>
        (!state.policy || s.policy === state.policy) &&
        (!state.verdict || s.verdict === state.verdict) &&
        (!state.problem || s.problem.includes(state.problem))
    );
  }

  function render() {
    const shown = matching();
    const pages = Math.max(1, Math.ceil(shown.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    const start = state.page * PAGE;
    list.innerHTML = shown.slice(start, start + PAGE).map(sampleHtml).join("");
    $("sample-count").textContent = `${shown.length} of ${samples.length} samples match`;
    $("page-info").textContent = `page ${state.page + 1} of ${pages}`;
    $("page-prev").disabled = state.page === 0;
    $("page-next").disabled = state.page >= pages - 1;
    const problem = problems[state.problem];
    const box = $("problem-statement");
    box.hidden = !(problem && problem[1]);
    box.innerHTML = box.hidden ? "" : `<h4>${esc(state.problem)} <span class="muted">${esc(problem[0])}</span></h4><pre>${esc(problem[1])}</pre>`;
  }

  function bind(id, key) {
    $(id).addEventListener("input", (event) => {
      state[key] = event.target.value.trim();
      state.page = 0;
      render();
    });
  }
  bind("filter-policy", "policy");
  bind("filter-verdict", "verdict");
  bind("filter-problem", "problem");
  $("filter-clear").addEventListener("click", () => {
    for (const key of ["policy", "verdict", "problem"]) {
      state[key] = "";
      $(`filter-${key}`).value = "";
    }
    state.page = 0;
    render();
  });
  $("page-prev").addEventListener("click", () => { state.page -= 1; render(); });
  $("page-next").addEventListener("click", () => { state.page += 1; render(); });
  for (const link of document.querySelectorAll(".problem-link")) {
    link.addEventListener("click", () => {
      state.problem = link.dataset.problem;
      $("filter-problem").value = state.problem;
      state.page = 0;
      render();
    });
  }
  render();
})();
