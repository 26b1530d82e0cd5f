// guidekb search page: plain JS, no build. Talks to GET /ready and GET /search of the same server.
"use strict";

const STRINGS = {
  en: {
    skip: "Skip to results",
    uiLanguage: "Page language",
    title: "Ask the Erasmus+ Programme Guide",
    intro: "Type a question in any EU language. Each answer comes with the passage, its place in the guide and a citation you can paste.",
    questionLabel: "Your question",
    questionHint: "In any EU language, for example: who manages capacity building in youth?",
    search: "Search",
    filterLabel: "Show passages in",
    allLanguages: "all languages",
    noscript: "This page needs JavaScript. The API is described at /docs.",
    results: "Results",
    prevails: "Where language versions of the guide conflict, the English version prevails.",
    api: "API documentation",
    searching: "Searching…",
    count: (n, secs) => `${n} ${n === 1 ? "passage" : "passages"} in ${secs} s`,
    none: "No passages found. Try other words, or show passages in all languages.",
    failed: "The search failed:",
    offline: "The server did not answer. Check that guidekb serve is running, then try again.",
    open: "Open in the official guide",
    newTab: "(opens in a new tab)",
    copy: "Copy citation",
    copied: "Copied",
    copiedStatus: "Citation copied to the clipboard.",
    copyFailed: "Could not copy: select the citation text below and copy it.",
    citation: "Citation",
    language: "Language",
    edition: "Edition",
    position: "Position",
    positionValue: (p, of) => `passage ${p} of ${of}`,
    result: (n) => `Result ${n}`,
    translation: (lang) => `Same passage in ${lang}`,
    outdated: "The site says this translated page does not yet reflect the current guide.",
    currentText: "Read the current text",
    prevailing: "prevailing version",
    alignment: (c) => `alignment confidence ${c}`,
    answer: "Direct answer",
    fields: { apply_to: "Where to apply", deadlines: "When to apply", duration: "Duration of project", grant: "Grant",
              who_can_apply: "Who can apply", partners: "Participating organisations", ages: "Age of participants" },
  },
  bg: {
    skip: "Към резултатите",
    uiLanguage: "Език на страницата",
    title: "Попитайте Ръководството за програмата „Еразъм+“",
    intro: "Задайте въпрос на който и да е език на ЕС. Всеки отговор идва с откъса, мястото му в ръководството и цитат, който можете да поставите.",
    questionLabel: "Вашият въпрос",
    questionHint: "На който и да е език на ЕС, например: кой управлява проектите за изграждане на капацитет в областта на младежта?",
    search: "Търсене",
    filterLabel: "Показване на откъси на",
    allLanguages: "всички езици",
    noscript: "Тази страница изисква JavaScript. API е описан на /docs.",
    results: "Резултати",
    prevails: "Когато езиковите версии на ръководството се различават, предимство има версията на английски език.",
    api: "Документация на API",
    searching: "Търсене…",
    count: (n, secs) => `${n} ${n === 1 ? "откъс" : "откъса"} за ${secs} с`,
    none: "Няма намерени откъси. Опитайте с други думи или покажете откъсите на всички езици.",
    failed: "Търсенето не успя:",
    offline: "Сървърът не отговори. Проверете дали guidekb serve работи и опитайте отново.",
    open: "Отваряне в официалното ръководство",
    newTab: "(отваря се в нов раздел)",
    copy: "Копиране на цитата",
    copied: "Копирано",
    copiedStatus: "Цитатът е копиран в клипборда.",
    copyFailed: "Копирането не успя: маркирайте текста на цитата по-долу и го копирайте.",
    citation: "Цитат",
    language: "Език",
    edition: "Издание",
    position: "Позиция",
    positionValue: (p, of) => `откъс ${p} от ${of}`,
    result: (n) => `Резултат ${n}`,
    translation: (lang) => `Същият откъс на ${lang}`,
    outdated: "Сайтът посочва, че тази преведена страница все още не отразява актуалното ръководство.",
    currentText: "Прочетете актуалния текст",
    prevailing: "версия с предимство",
    alignment: (c) => `сигурност на съответствието ${c}`,
    answer: "Пряк отговор",
    fields: { apply_to: "Къде се кандидатства", deadlines: "Кога се кандидатства", duration: "Продължителност на проекта",
              grant: "Безвъзмездни средства", who_can_apply: "Кой може да кандидатства",
              partners: "Участващи организации", ages: "Възраст на участниците" },
  },
};
const UI_KEY = "guidekb-ui-lang";
const K = 10;

const $ = (id) => document.getElementById(id);
let ui = "en";
let last = null; // the last SearchResponse, re-rendered when the page language changes
let indexLanguages = [];

function t(key, ...args) {
  const value = STRINGS[ui][key] ?? STRINGS.en[key];
  return typeof value === "function" ? value(...args) : value;
}

function initialUi() {
  let saved = null;
  try { saved = localStorage.getItem(UI_KEY); } catch (_) { /* storage may be blocked */ }
  if (saved && STRINGS[saved]) return saved;
  const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  for (const l of langs) {
    const code = String(l).slice(0, 2).toLowerCase();
    if (STRINGS[code]) return code;
  }
  return "en";
}

function languageName(code) {
  try {
    const name = new Intl.DisplayNames([ui], { type: "language" }).of(code);
    return name && name !== code ? name : code;
  } catch (_) {
    return code;
  }
}

function applyUi(lang) {
  ui = lang;
  document.documentElement.lang = lang;
  document.title = `guidekb · ${t("title")}`;
  $("ui-lang").value = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  renderLanguageOptions();
  if (last) render(last, null);
}

function renderLanguageOptions() {
  const select = $("languages");
  const chosen = select.value;
  select.replaceChildren(option("", t("allLanguages")));
  for (const code of indexLanguages) {
    const o = option(code, `${languageName(code)} (${code})`);
    select.append(o);
  }
  select.value = indexLanguages.includes(chosen) ? chosen : "";
  select.firstElementChild.dataset.i18n = "allLanguages";
}

function option(value, label) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = label;
  return o;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

// offsets from the API count code points; JS strings count UTF-16 units
function passageWithMark(hit) {
  const chars = Array.from(hit.text);
  const start = Math.max(0, Math.min(hit.highlight_start, chars.length));
  const end = Math.max(start, Math.min(hit.highlight_end, chars.length));
  return [chars.slice(0, start).join(""), el("mark", {}, chars.slice(start, end).join("")), chars.slice(end).join("")];
}

function card(hit) {
  const c = hit.citation;
  const titleId = `hit-${hit.rank}-title`;
  const path = c.section || c.title; // the section path already ends with the page title
  const copyButton = el("button", { type: "button", class: "secondary copy", "data-reference": c.reference }, t("copy"));
  copyButton.addEventListener("click", () => copyCitation(copyButton));
  const meta = el("dl", { class: "meta" },
    el("div", {}, el("dt", {}, t("language")), el("dd", {}, languageName(hit.language))),
    el("div", {}, el("dt", {}, t("edition")), el("dd", {}, c.edition)),
    el("div", {}, el("dt", {}, t("position")), el("dd", {}, t("positionValue", c.position.passage, c.position.of))));
  return el("li", {},
    el("article", { class: "card", "aria-labelledby": titleId, "data-id": hit.id, "data-lang": hit.language },
      el("h3", { id: titleId },
        el("span", { class: "visually-hidden" }, `${t("result", hit.rank)}: `),
        el("span", { class: "rank", "aria-hidden": "true" }, `${hit.rank}.`),
        el("span", { class: "path", lang: c.language }, path)),
      hit.context ? el("p", { class: "context", lang: hit.language }, hit.context) : null,
      el("p", { class: "passage", lang: hit.language }, ...passageWithMark(hit)),
      c.outdated ? el("p", { class: "outdated", role: "note" }, `${t("outdated")} `,
        c.current_text_url ? el("a", { href: c.current_text_url, target: "_blank", rel: "noopener" }, t("currentText")) : null)
        : null,
      meta,
      el("div", { class: "actions" },
        el("a", { class: "source", href: c.url, target: "_blank", rel: "noopener" },
          t("open"), el("span", { class: "visually-hidden" }, ` ${t("newTab")}`)),
        copyButton),
      el("details", { class: "reference" },
        el("summary", {}, t("citation")), el("p", { lang: c.language }, c.reference)),
      ...(hit.translations || []).map(translation)));
}

// the same clause in the question's language and in English (which prevails), aligned by the index
function translation(tr) {
  const label = [languageName(tr.language), tr.prevailing ? t("prevailing") : null].filter(Boolean).join(" · ");
  return el("details", { class: "translation", "data-lang": tr.language },
    el("summary", {}, t("translation", label)),
    ...tr.passages.map((p) => el("div", {},
      el("p", { class: "passage", lang: p.language }, p.text),
      el("p", { class: "reference", lang: p.language },
        el("a", { href: p.citation.url, target: "_blank", rel: "noopener" }, p.citation.reference)))),
    el("p", { class: "reference" }, t("alignment", tr.confidence.toFixed(2))));
}

// a register field of the one action the question names, with the citation of its row (above the passages)
function answerCard(answer) {
  if (!answer) return [];
  const c = answer.citation;
  const copyButton = el("button", { type: "button", class: "secondary copy", "data-reference": c.reference }, t("copy"));
  copyButton.addEventListener("click", () => copyCitation(copyButton));
  const field = (STRINGS[ui].fields || STRINGS.en.fields)[answer.field] || answer.field;
  return [el("article", { class: "card answer", "aria-labelledby": "answer-title", "data-field": answer.field },
    el("h3", { id: "answer-title" }, el("span", { class: "kicker" }, `${t("answer")}: `),
      el("span", { lang: answer.language }, `${answer.action.title} · ${field}`)),
    el("p", { class: "passage", lang: answer.language }, answer.value),
    el("div", { class: "actions" },
      el("a", { class: "source", href: c.url, target: "_blank", rel: "noopener" },
        t("open"), el("span", { class: "visually-hidden" }, ` ${t("newTab")}`)),
      copyButton),
    el("details", { class: "reference" }, el("summary", {}, t("citation")), el("p", { lang: c.language }, c.reference)))];
}

function render(response, seconds) {
  last = response;
  $("answer").replaceChildren(...answerCard(response.answer));
  const hits = response.passages;
  $("hits").replaceChildren(...hits.map(card));
  if (seconds !== null) last.seconds = seconds;
  $("status").textContent = hits.length ? t("count", hits.length, seconds2(last.seconds ?? 0)) : t("none");
}

function seconds2(value) {
  return new Intl.NumberFormat(ui, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
}

function showError(message) {
  const box = $("error");
  box.textContent = message ? `${t("failed")} ${message}` : "";
  box.hidden = !message;
}

async function copyCitation(button) {
  const text = button.dataset.reference;
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch (_) {
    // older browsers, or no clipboard permission: the selection route
    const area = el("textarea", { "aria-hidden": "true", style: "position:fixed;left:-9999px" });
    area.value = text;
    document.body.append(area);
    area.select();
    try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
    area.remove();
    button.focus();
  }
  $("status").textContent = ok ? t("copiedStatus") : t("copyFailed");
  if (ok) {
    button.textContent = t("copied");
    setTimeout(() => { button.textContent = t("copy"); }, 2000);
  }
}

let pending = null;
async function search() {
  const q = $("q").value.trim();
  if (!q) return;
  const params = new URLSearchParams({ q, k: String(K) });
  const languages = $("languages").value;
  if (languages) params.set("languages", languages);
  const shown = new URLSearchParams({ q });
  if (languages) shown.set("languages", languages);
  history.replaceState(null, "", `?${shown}`);

  if (pending) pending.abort();
  pending = new AbortController();
  const started = performance.now();
  $("status").textContent = t("searching");
  $("results").setAttribute("aria-busy", "true");
  try {
    const r = await fetch(`/search?${params}`, { signal: pending.signal, headers: { Accept: "application/json" } });
    const body = await r.json();
    if (!r.ok) {
      showError(body && body.error ? body.error.message : `HTTP ${r.status}`);
      $("status").textContent = "";
      $("hits").replaceChildren();
      last = null;
      return;
    }
    showError(null);
    render(body, (performance.now() - started) / 1000);
  } catch (err) {
    if (err.name === "AbortError") return;
    showError(t("offline"));
    $("status").textContent = "";
  } finally {
    $("results").removeAttribute("aria-busy");
  }
}

async function loadLanguages() {
  try {
    const r = await fetch("/ready", { headers: { Accept: "application/json" } });
    if (r.ok) indexLanguages = (await r.json()).languages || [];
  } catch (_) { /* the filter then offers "all languages" only */ }
  renderLanguageOptions();
}

async function start() {
  const params = new URLSearchParams(location.search);
  applyUi(initialUi());
  $("ui-lang").addEventListener("change", (e) => {
    try { localStorage.setItem(UI_KEY, e.target.value); } catch (_) { /* not saved, still switched */ }
    applyUi(e.target.value);
  });
  $("search").addEventListener("submit", (e) => { e.preventDefault(); search(); });
  $("languages").addEventListener("change", () => { if ($("q").value.trim()) search(); });
  await loadLanguages();
  if (params.get("languages") && indexLanguages.includes(params.get("languages"))) {
    $("languages").value = params.get("languages");
  }
  if (params.get("q")) {
    $("q").value = params.get("q");
    search();
  }
  document.body.dataset.ready = "true"; // for tests and scripts: the page has wired itself up
}

window.guidekbStrings = STRINGS;
document.addEventListener("DOMContentLoaded", start);
