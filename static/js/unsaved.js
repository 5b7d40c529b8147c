/* Forms marked data-warn-unsaved: leaving the page with changes not saved asks first (the browser's own prompt). */
(function () {
  "use strict";
  const forms = Array.from(document.querySelectorAll("form[data-warn-unsaved]"));
  window.Triplo = window.Triplo || {};
  if (!forms.length) return;
  // What each form holds now (taken after the page's other scripts set their inputs up).
  const state = (form) => JSON.stringify(Array.from(new FormData(form).entries())
    .filter(([name, value]) => name !== "csrf_token" && typeof value === "string"));
  const saved = new Map(forms.map((form) => [form, state(form)]));
  let sending = null;  // the form being submitted: its own changes are on their way, not the other forms'
  // A submit that goes through (not one a script took over and answered in place) leaves the page.
  window.addEventListener("submit", (event) => { if (!event.defaultPrevented) sending = event.target; });
  window.addEventListener("pageshow", () => { sending = null; });
  window.addEventListener("beforeunload", (event) => {
    if (!forms.some((form) => form !== sending && state(form) !== saved.get(form))) return;
    event.preventDefault();
    event.returnValue = "";  // the text is the browser's: "Leave site? Changes you made may not be saved."
  });
  // A form saved in place (profile-save.js): what it shows now is the saved state.
  window.Triplo.markSaved = (form) => { if (saved.has(form)) saved.set(form, state(form)); };
})();
