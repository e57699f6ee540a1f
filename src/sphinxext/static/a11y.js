/* Names a screen reader can say on a Japanese site, and keyboard access to scrolling boxes.
   The theme ships some labels untranslated (its ja catalog lacks them); a control's
   accessible name must contain its visible text (WCAG 2.5.3). Loaded with `defer`. */
(() => {
  // The English edition (src/sphinxext/edition_switch.py) keeps the theme's English names.
  const JAPANESE = (document.documentElement.lang || "ja").startsWith("ja");
  const LABELS = [   // [selector, attribute, Japanese text]
    ['nav[aria-label="Main"]', "aria-label", "サイト内の章"],
    ['nav[aria-label="Page"]', "aria-label", "このページの見出し"],
    ['input[aria-label="Search this book..."]', "aria-label", "サイト内を検索"],
    ['input[placeholder="Search this book..."]', "placeholder", "サイト内を検索…"],
    ['[title="Toggle primary sidebar"]', "title", "章の一覧を開閉"],
    ['[title="Toggle secondary sidebar"]', "title", "見出しの一覧を開閉"],
    ['[title="Link to this heading"]', "title", "この見出しへのリンク"],
    ['[title="Link to this image"]', "title", "この図へのリンク"],
    ['[title="Link to this table"]', "title", "この表へのリンク"],
    ['[title="Link to this code"]', "title", "このコードへのリンク"],
    ['i[data-mode="auto"]', "title", "端末の設定"],
  ];
  const CHART_BOXES = ".vega-chart";   // vega-embed names them by the chart's description
  const TABLE_BOXES = ".table-wrapper, .pst-scrollable-table-container";

  const translateLabels = () => {
    if (!JAPANESE) return;
    for (const [selector, attribute, text] of LABELS)
      document.querySelectorAll(selector).forEach((el) => el.setAttribute(attribute, text));
  };

  // The colour-mode button shows one icon; its name says what it is and which mode is on.
  const nameModeButtons = () => {
    const mode = document.documentElement.dataset.mode || "auto";
    const icon = document.querySelector(`.theme-switch-button i[data-mode="${mode}"]`);
    const current = icon ? icon.getAttribute("title") : "";
    document.querySelectorAll(".theme-switch-button").forEach((button) => {
      const name = JAPANESE ? (current ? `表示モード：${current}` : "表示モード")
                            : (current ? `Colour mode: ${current}` : "Colour mode");
      button.setAttribute("aria-label", name);
      button.setAttribute("data-bs-title", name);
      button.querySelectorAll("i").forEach((i) => i.setAttribute("aria-hidden", "true"));
    });
  };

  // A box that may scroll sideways must be reachable by keyboard, and then needs a name.
  const focusableScrollBoxes = () => {
    document.querySelectorAll(CHART_BOXES).forEach((box) => box.setAttribute("tabindex", "0"));
    document.querySelectorAll(TABLE_BOXES).forEach((box) => {
      box.setAttribute("tabindex", "0");
      if (!box.hasAttribute("role")) box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label")) {
        const caption = box.querySelector("caption, summary");
        box.setAttribute("aria-label", caption ? caption.textContent.trim()
        : JAPANESE ? "表（横にスクロールできます）" : "Table (scrolls sideways)");
      }
    });
  };

  // The wide search button shows 「検索」 and its shortcut: its name is that text, not a shorter label.
  const nameSearchFields = () => {
    document.querySelectorAll(".search-button-field[aria-label]").forEach((button) => {
      button.removeAttribute("aria-label");
      button.setAttribute("aria-keyshortcuts", "Control+K");
    });
  };

  translateLabels();
  nameSearchFields();
  nameModeButtons();
  focusableScrollBoxes();
  new MutationObserver(nameModeButtons).observe(document.documentElement, { attributeFilter: ["data-mode"] });
})();
