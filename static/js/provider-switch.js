/* Provider selector: swap in that provider's connection inputs and limits without a reload. */
(function () {
  "use strict";
  const T = window.Triplo;
  const form = document.querySelector("[data-profile-form]");
  const select = form && form.querySelector("[data-provider-select]");
  if (!select) return;
  const byId = Object.fromEntries(T.catalog().map((p) => [p.id, p]));

  function paramHint(spec, meta) {
    if (!meta.supported) return "Not supported by " + spec.label;
    const range = meta.min !== undefined && meta.max !== undefined ? "From " + meta.min + " to " + meta.max + ". " : "";
    return range + "Empty: the provider default.";
  }

  function applyParams(spec) {
    Object.entries(spec.params).forEach(([name, meta]) => {
      const input = form.querySelector("#f-" + name);
      if (!input) return;
      input.disabled = !meta.supported;
      if (!meta.supported) input.value = "";
      ["min", "max"].forEach((attr) => {
        if (meta[attr] !== undefined) input.setAttribute(attr, meta[attr]);
        else input.removeAttribute(attr);
      });
      const hint = document.getElementById("f-" + name + "-hint");
      if (hint) hint.textContent = paramHint(spec, meta);
    });
  }

  function applySetActive(spec) {
    const box = form.querySelector("[data-set-active]");
    if (!box || box.hasAttribute("data-locked")) return;
    box.disabled = !spec.can_drive_desktop;
    if (box.disabled) box.checked = false;
    const hint = document.getElementById("f-set_active-hint");
    if (hint) {
      hint.textContent = spec.can_drive_desktop
        ? "The desktop app runs with the active profile; it restarts to apply changes."
        : spec.label + " profiles cannot drive the desktop app; they work for roles and chat.";
    }
  }

  function applyModel(previous, spec) {
    const model = form.querySelector("#f-model");
    if (!model) return;
    const oldDefault = previous && byId[previous] ? byId[previous].defaults.model : "";
    if (!model.value.trim() || model.value === oldDefault) model.value = spec.defaults.model || "";
    model.placeholder = spec.defaults.model || "model id";
    const list = document.getElementById("model-options");
    if (list) list.replaceChildren(); // those models belonged to the previous provider
    T.setStatus(form.querySelector("[data-models-status]"), "");
  }

  let current = select.value;
  select.addEventListener("change", () => {
    const spec = byId[select.value];
    if (!spec) return;
    // Errors and test results were about the previous provider's inputs: clear them.
    T.clearFieldErrors(form);
    if (document.getElementById("error-summary")) T.showSummary(form, null);
    form.querySelectorAll("[data-form-status], [data-test-status]").forEach((el) => T.setStatus(el, ""));
    form.querySelectorAll("[data-provider-fields]").forEach((fieldset) => {
      const on = fieldset.dataset.providerFields === select.value;
      fieldset.hidden = !on;
      fieldset.disabled = !on; // disabled inputs are not submitted, so only this provider's values are sent
    });
    const cred = form.querySelector("#f-credential_id");
    if (cred) cred.placeholder = select.value;
    applyParams(spec);
    applySetActive(spec);
    applyModel(current, spec);
    current = select.value;
  });
})();
