/* Suggestions under the search box: progressive enhancement, the search works without it. */
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest]");
  if (!input || !window.fetch) { return; }
  var list = document.createElement("ul");
  list.className = "suggestions";
  list.id = "search-suggestions";
  list.hidden = true;
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  input.parentNode.parentNode.insertBefore(list, input.parentNode.nextSibling);
  input.parentNode.parentNode.insertBefore(status, list);
  input.setAttribute("aria-controls", list.id);
  var timer = null;
  var latest = 0;

  function show(items) {
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url;
      // The server marks the words typed so far in the escaped label ("marked"), topics have none.
      if (typeof item.marked === "string") { a.innerHTML = item.marked; } else { a.textContent = item.label; }
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    // The page gives the words in the interface language, with {n} for the number.
    var words = input.getAttribute(items.length === 1 ? "data-suggest-one" : "data-suggest-other") || "{n}";
    status.textContent = items.length ? words.replace("{n}", items.length.toLocaleString(document.documentElement.lang || undefined)) : "";
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var text = input.value.trim();
    if (text.length < 2) { show([]); return; }
    timer = setTimeout(function () {
      var ticket = ++latest;
      fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(text), {credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : {suggestions: []}; })
        .then(function (data) { if (ticket === latest) { show(data.suggestions || []); } })
        .catch(function () { show([]); });
    }, 200);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { show([]); }
  });
}());
