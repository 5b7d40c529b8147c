/* Roles & Chat profile pickers: a select for a few profiles, or (many profiles) a text input over the one shared
   <datalist id="profile-choices"> whose options carry each profile's id. The scripts read and set a picker through
   Triplo.profileId / Triplo.setProfile whichever it is; the input is marked invalid when its text names no profile. */
(function () {
  "use strict";
  window.Triplo = window.Triplo || {};
  const list = document.getElementById("profile-choices");
  const options = () => (list ? Array.from(list.options) : []);

  /* The option a picker's text names: a listed label, an id, or a name only one profile has (a label starts with
     the name, then " · "); the server reads posted text by the same rules (profile_picker.posted_id). */
  function option(text) {
    const exact = options().find((o) => o.value === text || o.dataset.id === text);
    if (exact || !text) return exact || null;
    const named = options().filter((o) => o.value.toLowerCase().startsWith(text.toLowerCase() + " · "));
    return named.length === 1 ? named[0] : null;
  }

  /* The profile id a picker holds: a select's value, or the id of the profile its text names; "" for none. Text
     that names no profile is returned as typed (the server says which profile is missing). */
  window.Triplo.profileId = (control) => {
    if (!control.hasAttribute("data-profile-picker")) return control.value;
    const text = control.value.trim();
    const hit = option(text);
    return hit ? hit.dataset.id : text;
  };

  /* Show profile `id` (or none) in a picker. */
  window.Triplo.setProfile = (control, id) => {
    if (!control.hasAttribute("data-profile-picker")) { control.value = id || ""; return; }
    const hit = options().find((o) => o.dataset.id === id);
    control.value = hit ? hit.value : "";
    check(control);
  };

  function check(input) {
    const text = input.value.trim();
    const known = !text || option(text) !== null;
    input.setCustomValidity(known ? "" : "Pick a profile from the list (or leave it empty).");
    if (known) input.removeAttribute("aria-invalid");
    else input.setAttribute("aria-invalid", "true");
  }

  document.querySelectorAll("input[data-profile-picker]").forEach((input) => {
    input.addEventListener("change", () => check(input));
    // The list filters by what the box holds: the whole text selected on focus, so typing searches afresh.
    input.addEventListener("focus", () => input.select());
  });
})();
