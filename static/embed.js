/* Procurement Helpdesk embed loader (MIT-free, no dependencies).
 *
 * <div id="procurement-helpdesk"></div>
 * <script src="https://HELPDESK/embed.js" data-partner="KEY" data-lang="en" async></script>
 *
 * Inserts the widget iframe and keeps its height equal to the widget's content. Height messages
 * are accepted only from the widget's own origin and from that iframe's window.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var widgetOrigin = new URL(script.src).origin;
  var partner = script.getAttribute("data-partner") || "";
  var lang = script.getAttribute("data-lang") || "";
  var target = document.getElementById(script.getAttribute("data-target") || "procurement-helpdesk");
  if (!target) {
    target = document.createElement("div");
    script.parentNode.insertBefore(target, script);
  }
  var params = new URLSearchParams({partner: partner, origin: window.location.origin});
  if (lang) { params.set("lang", lang); }
  var iframe = document.createElement("iframe");
  iframe.src = widgetOrigin + "/widget?" + params.toString();
  iframe.title = script.getAttribute("data-title") || (lang === "ja" ? "公共調達ヘルプデスク" : "Procurement Helpdesk");
  iframe.loading = "lazy";
  iframe.style.width = "100%";
  iframe.style.border = "0";
  iframe.style.minHeight = "320px";
  iframe.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
  target.appendChild(iframe);

  window.addEventListener("message", function (event) {
    if (event.origin !== widgetOrigin || event.source !== iframe.contentWindow) { return; }
    var data = event.data;
    if (!data || data.type !== "helpdesk:resize" || typeof data.height !== "number") { return; }
    var height = Math.max(200, Math.min(Math.round(data.height), 20000));
    iframe.style.height = height + "px";
  });
})();
