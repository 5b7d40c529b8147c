// Role editor: show the id a role gets from its name while the id field is left empty.
(function () {
  "use strict";
  // The delete confirmation: Cancel (the safe way out) has the focus, without waiting for autofocus.
  var cancel = document.querySelector("#role-delete [autofocus]");
  if (cancel) cancel.focus();
  // A role that did not save: the summary of its errors is where the eye and the focus land.
  var summary = document.getElementById("role-error-summary");
  if (summary) { summary.scrollIntoView({block: "start"}); summary.focus(); }
})();

(function () {
  "use strict";
  var id = document.querySelector("[data-slug-of]");
  if (!id) return;
  var name = document.getElementById(id.getAttribute("data-slug-of"));

  // Same rule as role_edit_pages.slug on the server.
  function slug(text) {
    var s = text.trim().toLowerCase().replace(/[^a-z0-9_.-]+/g, "-").replace(/^[-._]+|[-._]+$/g, "");
    return s.slice(0, 64).replace(/[-._]+$/, "") || "role";
  }

  function update() { id.placeholder = name.value.trim() ? slug(name.value) : ""; }
  name.addEventListener("input", update);
  update();
})();
