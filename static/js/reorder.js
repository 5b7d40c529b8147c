/* Profile order: drag and drop, and the up/down buttons without a reload (the buttons are plain forms without JS). */
(function () {
  "use strict";
  const T = window.Triplo;
  const list = document.querySelector("[data-reorder-list]");
  if (!list) return;
  const status = document.querySelector("[data-reorder-status]");
  const items = () => Array.from(list.querySelectorAll(".profile-item"));
  const order = () => items().map((li) => li.dataset.id);

  /* First/last buttons are disabled so keyboard users know where the ends are. */
  function refreshButtons() {
    const all = items();
    all.forEach((li, i) => {
      li.querySelector('button[value$=":up"]').disabled = i === 0;
      li.querySelector('button[value$=":down"]').disabled = i === all.length - 1;
    });
  }

  function restore(ids) {
    const byId = Object.fromEntries(items().map((li) => [li.dataset.id, li]));
    ids.forEach((id) => list.appendChild(byId[id]));
    refreshButtons();
  }

  async function persist(before, moved) {
    refreshButtons();
    const after = order();
    if (after.join("\n") === before.join("\n")) return;
    const result = await T.api("POST", list.dataset.reorderUrl, { order: after });
    if (result.ok) {
      T.setStatus(status, "Moved " + moved.dataset.name + " to position " + (after.indexOf(moved.dataset.id) + 1) + " of " + after.length + ".");
    } else {
      restore(before);
      T.setStatus(status, "The new order was not saved.");
      T.flash("The new order was not saved: " + T.messageOf(result), "error");
    }
  }

  // ---- keyboard and pointer: the arrow buttons ----
  // One form holds every arrow button; a button's value is "<profile id>:up|down".
  const moveForm = list.closest("[data-move-list-form]") || list;
  moveForm.addEventListener("submit", (event) => {
    const button = event.submitter;
    const form = button && button.closest(".move-form");
    if (!form) return;
    event.preventDefault();
    const li = form.closest(".profile-item");
    const direction = button.value.slice(button.value.lastIndexOf(":") + 1);
    const before = order();
    if (direction === "up" && li.previousElementSibling) list.insertBefore(li, li.previousElementSibling);
    else if (direction === "down" && li.nextElementSibling) list.insertBefore(li.nextElementSibling, li);
    persist(before, li);
    refreshButtons();
    // Keep focus on the pressed arrow (or its partner at the end of the list) so repeated presses keep moving.
    const again = button && !button.disabled ? button : form.querySelector("button:not(:disabled)");
    if (again) again.focus();
  });

  // ---- drag and drop ----
  let dragged = null;
  let dragStart = null;

  function clearMarks() {
    items().forEach((li) => li.classList.remove("drop-before", "drop-after"));
  }

  list.addEventListener("dragstart", (event) => {
    dragged = event.target.closest(".profile-item");
    if (!dragged) return;
    dragStart = order();
    dragged.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.id);
  });

  list.addEventListener("dragover", (event) => {
    const over = event.target.closest(".profile-item");
    if (!dragged || !over) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    clearMarks();
    if (over === dragged) return;
    const rect = over.getBoundingClientRect();
    over.classList.add(event.clientY < rect.top + rect.height / 2 ? "drop-before" : "drop-after");
  });

  list.addEventListener("drop", (event) => {
    const over = event.target.closest(".profile-item");
    if (!dragged || !over) return;
    event.preventDefault();
    if (over !== dragged) {
      const rect = over.getBoundingClientRect();
      list.insertBefore(dragged, event.clientY < rect.top + rect.height / 2 ? over : over.nextElementSibling);
    }
    clearMarks();
    persist(dragStart, dragged);
  });

  list.addEventListener("dragend", () => {
    clearMarks();
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
  });
})();
