/* API & Models at many profiles: the sidebar filter box, and the ordered fallback picker without reloads.
   Without JS the sidebar lists every profile and the picker's buttons post the form (the server re-orders). */
(function () {
  "use strict";

  // ---- sidebar filter -----------------------------------------------------------------------------
  const box = document.querySelector("[data-profile-filter-box]");
  if (box) {
    box.hidden = false;
    const input = box.querySelector("[data-profile-filter]");
    const status = box.querySelector("[data-profile-filter-status]");
    const items = Array.from(document.querySelectorAll(".profile-list .profile-item"));
    // Every word must appear somewhere in the name, provider or model; the query outlives picking a result.
    const apply = () => {
      const words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      items.forEach((li) => {
        const text = li.textContent.toLowerCase();
        const match = words.every((w) => text.includes(w));
        li.hidden = !match;
        if (match) shown += 1;
      });
      status.textContent = words.length ? shown + " of " + items.length + " profiles shown." : "";
      try { sessionStorage.setItem("profile-filter", input.value); } catch (_) { /* storage off: not kept */ }
    };
    input.addEventListener("input", apply);
    let kept = null;
    try { kept = sessionStorage.getItem("profile-filter"); } catch (_) { kept = null; }
    if (kept) { input.value = kept; apply(); }
  }
  // The picked profile is in view inside the list's own scroll box (the window stays on the editor).
  const listBox = document.querySelector(".profile-list-box");
  const picked = listBox && listBox.querySelector(".profile-item.is-selected");
  if (picked && listBox.scrollHeight > listBox.clientHeight) {
    listBox.scrollTop = picked.offsetTop - listBox.clientHeight / 3;  // the box is the offset parent
  }

  // ---- ordered fallback picker --------------------------------------------------------------------
  const picker = document.querySelector("[data-fallback-picker]");
  if (!picker) return;
  const list = picker.querySelector("[data-fallback-list]");
  const add = picker.querySelector("[data-fallback-add]");
  const filter = picker.querySelector("[data-fallback-filter]");

  function refreshButtons() {
    const rows = Array.from(list.children);
    rows.forEach((li, i) => {
      li.querySelector('[data-fallback-op="up"]').disabled = i === 0;
      li.querySelector('[data-fallback-op="down"]').disabled = i === rows.length - 1;
    });
  }

  function button(op, label, symbol) {
    const b = document.createElement("button");
    b.className = "btn-icon";
    b.type = "submit";
    b.name = "fallback_op";
    b.dataset.fallbackOp = op;
    b.setAttribute("aria-label", label);
    b.textContent = symbol;
    return b;
  }

  function addRow(option) {
    const name = option.textContent.replace(/\s*\(.*\)$/, "");
    const li = document.createElement("li");
    li.dataset.id = option.value;
    li.dataset.label = option.textContent;
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "fallback_profile_ids";
    hidden.value = option.value;
    const text = document.createElement("span");
    text.className = "fallback-name";
    text.textContent = option.textContent;
    li.append(hidden, text, button("up", "Move fallback " + name + " up", "\u2191"),
              button("down", "Move fallback " + name + " down", "\u2193"),
              button("remove", "Remove fallback " + name, "\u2715"));
    list.appendChild(li);
    option.remove();
  }

  picker.addEventListener("click", (event) => {
    const b = event.target.closest("[data-fallback-op]");
    if (!b) return;
    event.preventDefault();  // no form post: the list changes here, the profile is saved with Save
    const op = b.dataset.fallbackOp;
    if (op === "add") {
      const option = add.selectedOptions[0];
      if (!option || !option.value) { add.focus(); return; }
      addRow(option);
      add.value = "";
      refreshButtons();
      return;
    }
    const li = b.closest("li");
    if (op === "up" && li.previousElementSibling) list.insertBefore(li, li.previousElementSibling);
    else if (op === "down" && li.nextElementSibling) list.insertBefore(li.nextElementSibling, li);
    else if (op === "remove") {
      const option = document.createElement("option");
      option.value = li.dataset.id;
      option.textContent = li.dataset.label || li.querySelector(".fallback-name").textContent.replace(/\s+/g, " ").trim();
      add.appendChild(option);
      li.remove();
      refreshButtons();
      add.focus();
      return;
    }
    refreshButtons();
    b.disabled ? li.querySelector("[data-fallback-op]:not([disabled])").focus() : b.focus();
  });

  if (filter && add.options.length > 10) {
    filter.hidden = false;
    filter.addEventListener("input", () => {
      const q = filter.value.trim().toLowerCase();
      Array.from(add.options).forEach((o) => { if (o.value) o.hidden = q !== "" && !o.textContent.toLowerCase().includes(q); });
    });
  }
})();
