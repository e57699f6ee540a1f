// Links the PDF edition from the landing page and the download menu, only when the site
// carries one printed from its own pages (window.pdfEdition, set by _static/pdf/edition.js).
document.addEventListener("DOMContentLoaded", function () {
  var edition = window.pdfEdition;
  if (!edition) return;
  var root = document.documentElement.dataset.content_root || "";
  var href = root + edition.href;   // relative to the site root (src/layout.py PDF)
  var size = (edition.bytes / 1e6).toFixed(1) + " MB";
  var label = "PDF版（A4・" + edition.pages + "ページ・" + size + "）";

  var menu = document.querySelector(".dropdown-download-buttons .dropdown-menu");
  if (menu) {
    var item = document.createElement("li");
    var a = document.createElement("a");
    a.href = href;
    a.className = "btn btn-sm dropdown-item pdf-edition-link";
    a.title = label;
    a.textContent = "PDF版";
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
    link.textContent = label;
    p.appendChild(link);
    p.appendChild(document.createTextNode("：このサイトと同じ本文・図・データ表を、印刷や配布に向くA4のPDFにまとめたものです。"));
    heading.insertAdjacentElement("afterend", p);
  }
});
