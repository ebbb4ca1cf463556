// Progressive enhancement of the Q&A form: answers appear in the transcript without a page
// load. Without JavaScript the same form submits normally and the server renders the answer.
(function () {
  "use strict";
  // Inside a partner's iframe: report the content height to the embedding page, to its exact
  // origin only (the server checked it against the partner's allow-list).
  var parentOrigin = document.body.getAttribute("data-parent-origin");
  // The refusal message ("this key is not known", "this origin is not allowed") is shown on pages
  // the key does not allow, so their origin cannot be checked: it reports only its own height,
  // a number about a fixed message, so that the loader shows it whole.
  if (!parentOrigin && document.querySelector(".refused")) { parentOrigin = "*"; }
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
        var start = document.getElementById("start");
        if (start) { start.hidden = true; }
        var url = new URL(window.location.href);
        url.searchParams.set("q", question);
        window.history.replaceState(null, "", url.toString());
        keepQuestionOnLanguageSwitch(question);
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

  // The language link carries the question, so the answer is shown again in the other language.
  function keepQuestionOnLanguageSwitch(question) {
    var link = document.getElementById("lang-switch");
    if (!link) { return; }
    var target = new URL(link.getAttribute("href"), window.location.href);
    target.searchParams.set("q", question);
    target.searchParams.delete("fragment");
    link.setAttribute("href", "?" + target.searchParams.toString());
  }

  // Example questions and topics on the empty page ask in place (without JavaScript they are links).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.ask-link");
    if (!link || !window.fetch || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    var question = new URL(link.href).searchParams.get("q");
    if (!question) { return; }
    event.preventDefault();
    input.value = question;
    if (form.requestSubmit) { form.requestSubmit(); } else { form.dispatchEvent(new Event("submit", {cancelable: true})); }
  });

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

// Suggestions while typing: the WAI-ARIA combobox pattern (list autocomplete). Up and down arrows
// choose, Enter asks the chosen suggestion, Escape closes the list. Nothing is fetched while an
// input method is composing (Japanese), and only 200 ms after the last keystroke.
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  var input = document.getElementById("q");
  if (!form || !input || !window.fetch || !window.URLSearchParams) { return; }
  var live = document.getElementById("suggest-status");
  var list = document.createElement("ul");
  list.id = "q-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", form.getAttribute("data-suggestions-label") || "Suggestions");
  list.hidden = true;
  input.parentNode.appendChild(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  var composing = false, timer = null, sequence = 0, active = -1, items = [];
  var langField = form.querySelector("input[name=lang]");

  function close() {
    list.hidden = true;
    list.innerHTML = "";
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    var options = list.querySelectorAll("[role=option]");
    active = index;
    for (var i = 0; i < options.length; i++) { options[i].setAttribute("aria-selected", i === index ? "true" : "false"); }
    if (index >= 0 && options[index]) {
      input.setAttribute("aria-activedescendant", options[index].id);
      if (options[index].scrollIntoView) { options[index].scrollIntoView({block: "nearest"}); }
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(index) {
    var item = items[index];
    if (!item) { return; }
    input.value = item.title;
    close();
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  function show(suggestions) {
    close();
    items = suggestions;
    if (!suggestions.length) { return; }
    suggestions.forEach(function (item, i) {
      var option = document.createElement("li");
      option.id = "q-suggestion-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.textContent = item.title;
      option.addEventListener("mousedown", function (event) { event.preventDefault(); });   // keep focus in the input
      option.addEventListener("click", function () { choose(i); });
      list.appendChild(option);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (live) {
      var text = suggestions.length === 1 ? form.getAttribute("data-suggestions-one")
        : (form.getAttribute("data-suggestions-many") || "").replace("{n}", suggestions.length);
      live.textContent = text || "";
    }
  }

  function fetchSuggestions() {
    var text = input.value;
    if (composing || text.trim().length < 2 || text.length > 100) { close(); return; }
    var mine = ++sequence;
    var params = new URLSearchParams({q: text});
    if (langField && langField.value) { params.set("lang", langField.value); }
    fetch("/api/suggest?" + params.toString(), {credentials: "omit", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {suggestions: []}; })
      .then(function (data) {
        if (mine !== sequence || composing || document.activeElement !== input) { return; }   // a newer one is on its way
        show(data.suggestions || []);
      })
      .catch(function () { if (mine === sequence) { close(); } });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 200);
  }

  input.addEventListener("compositionstart", function () { composing = true; clearTimeout(timer); close(); });
  input.addEventListener("compositionend", function () { composing = false; schedule(); });
  input.addEventListener("input", function (event) {
    if (composing || event.isComposing) { return; }
    schedule();
  });
  input.addEventListener("keydown", function (event) {
    if (event.isComposing || composing || event.keyCode === 229) { return; }
    var open = !list.hidden && items.length > 0;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open) { fetchSuggestions(); return; }
      highlight(active + 1 >= items.length ? 0 : active + 1);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
  form.addEventListener("submit", function () { clearTimeout(timer); sequence++; close(); });
})();

// The embed page: a Copy button beside each snippet (the text can always be selected by hand).
(function () {
  "use strict";
  var page = document.querySelector(".embed-page");
  if (!page || !navigator.clipboard) { return; }
  var snippets = page.querySelectorAll("pre.snippet");
  Array.prototype.forEach.call(snippets, function (pre) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = page.getAttribute("data-copy") || "Copy";
    button.setAttribute("aria-describedby", pre.id);
    var note = document.createElement("span");
    note.className = "copy-note";
    note.setAttribute("role", "status");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(pre.textContent).then(function () {
        note.textContent = " " + (page.getAttribute("data-copied") || "Copied");
      }, function () {
        note.textContent = " " + (page.getAttribute("data-copy-failed") || "");
      });
    });
    pre.parentNode.insertBefore(button, pre);
    pre.parentNode.insertBefore(note, pre);
  });
})();
