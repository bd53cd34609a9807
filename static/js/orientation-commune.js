// Commune type-ahead (WAI-ARIA combobox with a list box): the agent types the first letters
// ("Rod"), the matching Aveyron communes are listed under the field, ↓/↑ move, Entrée picks,
// Échap closes; a click picks too. The communes are read from the page's <datalist>, which
// stays the field's list when JavaScript is off. Accents and case are ignored.
(function () {
  "use strict";
  var MAX = 12;
  var inputs = document.querySelectorAll("input[list][data-typeahead]");
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[-'’]/g, " ");
  }
  Array.prototype.forEach.call(inputs, function (input) {
    var datalist = document.getElementById(input.getAttribute("list"));
    if (!datalist) return;
    var all = Array.prototype.map.call(datalist.options, function (o) {
      return { value: o.value, key: fold(o.value) };
    });
    var listId = input.id + "-listbox";
    var list = document.createElement("ul");
    list.id = listId;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Communes proposées");
    list.hidden = true;
    Object.assign(list.style, {
      listStyle: "none", margin: "0", padding: "0", border: "1px solid #4a4a4a",
      background: "#fff", maxHeight: "16rem", overflowY: "auto", position: "absolute",
      zIndex: "10", minWidth: input.offsetWidth + "px",
    });
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    Object.assign(status.style, {
      position: "absolute", width: "1px", height: "1px", overflow: "hidden",
      clip: "rect(0 0 0 0)", whiteSpace: "nowrap",
    });
    var wrapper = document.createElement("div");
    wrapper.style.position = "relative";
    input.parentNode.insertBefore(wrapper, input.nextSibling);
    wrapper.appendChild(list);
    wrapper.appendChild(status);
    input.removeAttribute("list");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    var active = -1;
    var shown = [];

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      var items = list.children;
      for (var i = 0; i < items.length; i++) {
        var on = i === index;
        items[i].setAttribute("aria-selected", on ? "true" : "false");
        items[i].style.background = on ? "#1f3a93" : "";
        items[i].style.color = on ? "#fff" : "";
      }
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function pick(index) {
      input.value = shown[index].value;
      close();
      status.textContent = "Commune choisie : " + shown[index].value;
    }
    function open() {
      var typed = fold(input.value.trim());
      list.textContent = "";
      if (!typed) { close(); return; }
      var starts = all.filter(function (c) { return c.key.indexOf(typed) === 0; });
      var inside = all.filter(function (c) {
        return c.key.indexOf(typed) > 0 && starts.indexOf(c) < 0;
      });
      shown = starts.concat(inside).slice(0, MAX);
      shown.forEach(function (c, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = c.value;
        li.style.padding = "0.35rem 0.6rem";
        li.style.cursor = "pointer";
        li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
        list.appendChild(li);
      });
      var exact = shown.length === 1 && shown[0].value === input.value;
      if (!shown.length || exact) { close(); }
      else { list.hidden = false; input.setAttribute("aria-expanded", "true"); highlight(-1); }
      status.textContent = shown.length
        ? shown.length + " commune" + (shown.length > 1 ? "s" : "") + " proposée" +
          (shown.length > 1 ? "s" : "") + " : flèche du bas pour choisir."
        : "Aucune commune de l'Aveyron ne commence ainsi.";
    }
    input.addEventListener("input", open);
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (e) {
      if (list.hidden) {
        if (e.key === "ArrowDown" && input.value.trim()) { open(); if (shown.length) highlight(0); e.preventDefault(); }
        return;
      }
      if (e.key === "ArrowDown") { highlight(Math.min(active + 1, shown.length - 1)); e.preventDefault(); }
      else if (e.key === "ArrowUp") { highlight(Math.max(active - 1, 0)); e.preventDefault(); }
      else if (e.key === "Enter" && active >= 0) { pick(active); e.preventDefault(); }
      else if (e.key === "Escape") { close(); e.preventDefault(); }
    });
  });
})();
