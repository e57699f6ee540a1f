// Links the PDF edition from the landing page and the download menu, only when the site
// carries one printed from its own pages (window.pdfEdition, set by _static/pdf/edition.js).
// Each edition has its own PDF and its own edition.js; the link is worded in the page's
// language (<html lang>): Japanese, or English for any other edition.
document.addEventListener("DOMContentLoaded", function () {
  var edition = window.pdfEdition;
  if (!edition) return;
  var root = document.documentElement.dataset.content_root || "";
  var href = root + edition.href;   // relative to the edition's root (src/book/site_paths.py PDF)
  var size = (edition.bytes / 1e6).toFixed(1) + " MB";
  var japanese = (document.documentElement.lang || "ja").toLowerCase().split("-")[0] === "ja";
  var words = japanese ? {
    name: "PDF版",
    label: "PDF版（A4・" + edition.pages + "ページ・" + size + "）",
    sentence: "：このサイトと同じ本文・図・データ表を、印刷や配布に向くA4のPDFにまとめたものです。"
  } : {
    name: "PDF edition",
    label: "PDF edition (A4, " + edition.pages + " pages, " + size + ")",
    sentence: ": this site's text, figures and data tables in one A4 PDF, for printing and sharing."
  };

  var menu = document.querySelector(".dropdown-download-buttons .dropdown-menu");
  if (menu) {
    var item = document.createElement("li");
    var a = document.createElement("a");
    a.href = href;
    a.className = "btn btn-sm dropdown-item pdf-edition-link";
    a.title = words.label;
    a.textContent = words.name;
    item.appendChild(a);
    menu.insertBefore(item, menu.firstChild);
  }

  var landing = document.getElementById("landing");
  var heading = landing && landing.parentElement.querySelector("h1");
  if (heading) {
    var p = document.createElement("p");
    p.className = "pdf-edition";
    var link = document.createElement("a");
    link.href = href;
    link.className = "pdf-edition-link";
    link.textContent = words.label;
    p.appendChild(link);
    p.appendChild(document.createTextNode(words.sentence));
    heading.insertAdjacentElement("afterend", p);
  }
});
