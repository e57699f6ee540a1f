/* Search as a reader uses it. Loaded with `defer` on every page, so it runs after
   searchtools.js has defined `Search` and before Sphinx's DOMContentLoaded handlers.

   * On the search page, the snippet under each result is the sentence of the page that
     holds the query (Sphinx's own snippet starts at a term's first occurrence, which on
     these pages is the table of contents).
   * On the page a result opens, the searched terms are highlighted and the first one is
     scrolled into view. Sphinx skips this whenever `Search` exists, and the theme loads
     searchtools.js on every page, so it never happened. */
(() => {
  if (typeof Search === "undefined") return;
  // Sphinx 7.4's ja catalog leaves the results line untranslated (empty): the page said nothing.
  const FINISHED = "Search finished, found ${resultCount} page(s) matching the search query.";
  const JAPANESE = (document.documentElement.lang || "ja").startsWith("ja");   // not the English edition
  if (JAPANESE && typeof Documentation !== "undefined" && !Documentation.TRANSLATIONS[FINISHED])
    Documentation.TRANSLATIONS[FINISHED] = "検索が完了しました。${resultCount}件のページが見つかりました。";
  if (!document.getElementById("search-results")) {
    if (typeof SphinxHighlight !== "undefined" && localStorage.getItem("sphinx_highlight_terms")) {
      SphinxHighlight.highlightSearchWords();
      window.setTimeout(() => {   // Sphinx highlights after 10 ms
        const first = document.querySelector("article .highlighted");
        if (first) first.scrollIntoView({ block: "center" });
      }, 50);
    }
    return;
  }
  const SNIPPET_MAX = 160;
  const BLOCKS = "p, li, dd, dt, td, th, figcaption, caption, h1, h2, h3, h4, h5, h6";
  const SKIPPED = "nav, .toctree-wrapper, .cell_input, .headerlink, script, style, .vega-chart";
  const fallback = Search.makeSearchSummary;

  const typedQuery = () =>
    (new URLSearchParams(window.location.search).get("q") || "").replace(/\s+/g, "").toLowerCase();

  // Sentences of the article's text blocks (paragraphs, list items, cells), never running
  // from one block into the next.
  const sentencesOf = (htmlText) => {
    const doc = new DOMParser().parseFromString(htmlText, "text/html");
    const article = doc.querySelector("article") || doc.querySelector('[role="main"]');
    if (!article) return [];
    article.querySelectorAll(SKIPPED).forEach((el) => el.remove());
    const found = [];
    article.querySelectorAll(BLOCKS).forEach((block) => {
      if (block.querySelector(BLOCKS)) return;   // its inner blocks are read on their own
      const text = block.textContent.replace(/\s+/g, " ").trim();
      text.split(/(?<=[。！？])/).forEach((s) => { if (s.trim()) found.push(s.trim()); });
    });
    return found;
  };

  // The whole typed query counts most, then how many of its terms a sentence holds.
  const score = (sentence, query, terms) => {
    const lower = sentence.toLowerCase();
    const whole = query && lower.replace(/\s+/g, "").includes(query) ? terms.length + 1 : 0;
    return whole || terms.filter((t) => lower.includes(t)).length;
  };

  const clip = (sentence, terms) => {
    if (sentence.length <= SNIPPET_MAX) return sentence;
    const at = Math.max(0, ...terms.map((t) => sentence.toLowerCase().indexOf(t)));
    const start = Math.max(0, Math.min(at - SNIPPET_MAX / 3, sentence.length - SNIPPET_MAX));
    return (start > 0 ? "…" : "") + sentence.substr(start, SNIPPET_MAX)
      + (start + SNIPPET_MAX < sentence.length ? "…" : "");
  };

  Search.makeSearchSummary = (htmlText, keywords, anchor) => {
    const terms = [...keywords].map((k) => k.toLowerCase());
    const query = typedQuery();
    let best = null, bestScore = 0;
    for (const sentence of sentencesOf(htmlText)) {
      const s = score(sentence, query, terms);
      if (s > bestScore) { best = sentence; bestScore = s; }
    }
    if (best === null) return fallback(htmlText, keywords, anchor);
    const summary = document.createElement("p");
    summary.classList.add("context");
    summary.textContent = clip(best, terms);
    return summary;
  };
})();
