// Every computed number explains itself (src/sphinxext/numbers.py): a number glued with its provenance is
// <span class="num" data-num="{…}" data-cell="cell-005">13.9％</span>. This script makes it a control
// named 「13.9％の根拠」 / "Where 13.9% comes from" (click, tap, Enter or Space) that opens a small panel:
// how the number was obtained, each input with its file, and a link to the code cell that glued it.
// The panel is built from text nodes only (never innerHTML), outside the sentence (the end of <body>),
// and only while it is open: the sentence's text stays the number. Esc, the close button or a click
// elsewhere closes it, and focus returns to the number.
(function () {
  "use strict";
  var current = null;   // {number: element, panel: element}

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text) e.appendChild(document.createTextNode(text));
    return e;
  }

  function close(returnFocus) {
    if (!current) return;
    var number = current.number;
    current.panel.remove();
    number.setAttribute("aria-expanded", "false");
    number.removeAttribute("aria-controls");
    current = null;
    if (returnFocus) number.focus();
  }

  function place(number, panel) {
    var rect = number.getBoundingClientRect();
    var width = document.documentElement.clientWidth;
    panel.style.maxWidth = Math.max(200, width - 16) + "px";
    var left = Math.min(rect.left, width - panel.offsetWidth - 8);
    panel.style.left = Math.max(8, left) + window.scrollX + "px";
    panel.style.top = rect.bottom + window.scrollY + 6 + "px";
  }

  function codeLink(number, data) {
    var id = number.getAttribute("data-cell");
    if (!id || !document.getElementById(id)) return null;
    var link = el("a", "num-panel-code", data.code);
    link.href = "#" + id;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var root = document.documentElement;
      var button = document.querySelector(".code-switch-button");
      if (!root.classList.contains("show-code")) {   // the page's one code switch, turned on
        if (button) button.click(); else root.classList.add("show-code");
      }
      close(false);
      location.hash = "#" + id;
    });
    return link;
  }

  function build(number, data) {
    var panel = el("div", "num-panel");
    panel.id = "num-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", data.name);
    panel.tabIndex = -1;
    var head = el("div", "num-panel-head");
    head.appendChild(el("p", "num-panel-kind", data.kind));
    var shut = el("button", "num-panel-close", "×");
    shut.type = "button";
    shut.setAttribute("aria-label", data.close);
    shut.addEventListener("click", function () { close(true); });
    head.appendChild(shut);
    panel.appendChild(head);
    panel.appendChild(el("p", "num-panel-formula", data.formula));
    if (data.inputs && data.inputs.length) {
      panel.appendChild(el("p", "num-panel-label", data.inputs_label));
      var list = el("ul", "num-panel-inputs");
      data.inputs.forEach(function (input) {
        var item = el("li", null, input.before);
        var link = el("a", null, input.file);
        link.href = input.href;
        link.setAttribute("download", "");
        item.appendChild(link);
        item.appendChild(document.createTextNode(input.after));
        list.appendChild(item);
      });
      panel.appendChild(list);
    }
    var code = codeLink(number, data);
    if (code) {
      var p = el("p", "num-panel-code-line");
      p.appendChild(code);
      panel.appendChild(p);
    }
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); close(true); }
    });
    panel.addEventListener("focusout", function (event) {
      var to = event.relatedTarget;
      if (current && current.panel === panel && to && !panel.contains(to) && to !== number) close(false);
    });
    return panel;
  }

  function open(number) {
    var same = current && current.number === number;
    close(false);
    if (same) return;
    var data;
    try { data = JSON.parse(number.getAttribute("data-num")); } catch (e) { return; }
    var panel = build(number, data);
    document.body.appendChild(panel);
    place(number, panel);
    number.setAttribute("aria-expanded", "true");
    number.setAttribute("aria-controls", panel.id);
    current = {number: number, panel: panel};
    panel.focus({preventScroll: true});
    panel.scrollIntoView({block: "nearest"});   // a panel below the fold is brought into view
  }

  function upgrade(number) {
    var data;
    try { data = JSON.parse(number.getAttribute("data-num")); } catch (e) { return; }
    number.setAttribute("role", "button");
    number.setAttribute("tabindex", "0");
    number.setAttribute("aria-label", data.name);
    number.setAttribute("aria-haspopup", "dialog");
    number.setAttribute("aria-expanded", "false");
    number.addEventListener("click", function (event) { event.preventDefault(); open(number); });
    number.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(number); }
      else if (event.key === "Escape") close(true);
    });
  }

  document.addEventListener("click", function (event) {
    if (current && !current.panel.contains(event.target) && !current.number.contains(event.target)) close(false);
  });
  window.addEventListener("resize", function () { if (current) place(current.number, current.panel); });
  function start() { document.querySelectorAll(".num[data-num]").forEach(upgrade); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
