// Progressive enhancement of the Q&A form: answers appear in the transcript without a page
// load. Without JavaScript the same form submits normally and the server renders the answer.
(function () {
  "use strict";
  // Inside a partner's iframe: report the content height to the embedding page, to its exact
  // origin only (the server checked it against the partner's allow-list).
  var parentOrigin = document.body.getAttribute("data-parent-origin");
  if (parentOrigin && window.parent !== window && window.ResizeObserver) {
    var last = 0;
    var report = function () {
      var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height !== last) {
        last = height;
        window.parent.postMessage({type: "helpdesk:resize", height: height}, parentOrigin);
      }
    };
    new ResizeObserver(report).observe(document.documentElement);
    report();
  }
})();

(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  var input = document.getElementById("q");
  var transcript = document.getElementById("transcript");
  var status = document.getElementById("status");
  if (!form || !input || !transcript) { return; }

  // Japanese IME: Enter that confirms a kana-to-kanji conversion must not submit the question.
  var composing = false;
  input.addEventListener("compositionstart", function () { composing = true; });
  input.addEventListener("compositionend", function () {
    setTimeout(function () { composing = false; }, 0);  // Safari fires keydown after compositionend
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.isComposing || composing || event.keyCode === 229)) {
      event.preventDefault();
      event.stopPropagation();
    }
  });

  var busy = false;
  form.addEventListener("submit", function (event) {
    if (!window.fetch) { return; }
    event.preventDefault();
    var question = input.value.trim();
    if (busy) { return; }
    var params = new URLSearchParams(new FormData(form));
    params.set("fragment", "1");
    busy = true;
    form.setAttribute("aria-busy", "true");
    fetch(form.getAttribute("action") + "?" + params.toString(), {credentials: "omit", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var turn = holder.querySelector(".turn");
        if (!turn) { throw new Error("no answer"); }
        transcript.insertBefore(turn, transcript.firstChild);
        announce(turn);
        if (question) { input.value = ""; }
        var url = new URL(window.location.href);
        url.searchParams.set("q", question);
        window.history.replaceState(null, "", url.toString());
      })
      .catch(function () {
        status.textContent = form.getAttribute("data-error") || "Network error. Please try again.";
      })
      .then(function () { busy = false; form.removeAttribute("aria-busy"); });
  });

  // "Did this help?": "Yes" is sent in place (the form becomes a thank-you); "No" submits the
  // form normally, so the page with the people to ask opens (as it does without JavaScript).
  transcript.parentNode.addEventListener("submit", function (event) {
    var feedback = event.target;
    if (!feedback.classList || !feedback.classList.contains("feedback") || !window.fetch) { return; }
    var choice = event.submitter && event.submitter.value;
    if (choice !== "yes") { return; }
    event.preventDefault();
    var data = new FormData(feedback);
    fetch("/api/feedback", {method: "POST", credentials: "omit", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({ask_id: data.get("ask_id"), entry_id: data.get("entry_id"), helpful: true})})
      .then(function (response) {
        if (response.status !== 204) { throw new Error("not stored"); }
        var thanks = document.createElement("p");
        thanks.className = "feedback-thanks";
        thanks.setAttribute("role", "status");
        thanks.textContent = feedback.getAttribute("data-thanks");
        feedback.parentNode.replaceChild(thanks, feedback);
      })
      .catch(function () { feedback.submit(); });
  }, true);

  function announce(turn) {
    var answers = turn.querySelectorAll(".answer").length;
    var text;
    if (turn.querySelector(".error")) { text = turn.querySelector(".error").textContent; }
    else if (answers === 0) { text = status.getAttribute("data-none"); }
    else { text = (answers === 1 ? status.getAttribute("data-one") : status.getAttribute("data-many")).replace("{n}", answers); }
    status.textContent = "";
    setTimeout(function () { status.textContent = text; }, 100);  // re-announce identical text
  }

})();
