// Keishin calculator: a "Print or save as PDF" button on the result (the page prints cleanly without it,
// see @media print in calculator.css; the button only saves looking for the browser's menu).
(function () {
  "use strict";
  var button = document.querySelector(".print-button");
  if (!button || typeof window.print !== "function") { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
