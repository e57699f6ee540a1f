// One 「コード」/"Code" switch per page (src/sphinxext/code_switch.py): shows or hides every code cell, off by
// default, remembered across pages. Without this script the code stays visible.
(function () {
  "use strict";
  var KEY = "show-code";
  var root = document.documentElement;
  var remembered = function () { try { return localStorage.getItem(KEY) === "1"; } catch (e) { return false; } };
  root.classList.add("code-switch");
  if (remembered()) root.classList.add("show-code");

  function addSwitch() {
    if (!document.querySelector(".code-input")) return;
    var bar = document.querySelector(".article-header-buttons");
    if (!bar || bar.querySelector(".code-switch-button")) return;
    var english = (root.lang || "").toLowerCase().indexOf("en") === 0;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm code-switch-button";
    button.textContent = english ? "Code" : "コード";
    button.title = english ? "Show or hide the code of this page" : "このページのコードを表示・非表示";
    var sync = function () { button.setAttribute("aria-pressed", root.classList.contains("show-code") ? "true" : "false"); };
    button.addEventListener("click", function () {
      var on = root.classList.toggle("show-code");
      try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private mode: this page only */ }
      sync();
    });
    sync();
    bar.insertBefore(button, bar.firstChild);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", addSwitch);
  else addSwitch();
})();
