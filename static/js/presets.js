/* Vendor presets of the OpenAI-compatible provider: picking one fills the base URL, key variable and credential
   set at once (without JS the "Fill in" button posts the form and the server fills them). */
(function () {
  "use strict";
  const form = document.querySelector("[data-profile-form]");
  const select = form && form.querySelector("[data-preset-select]");
  if (!select) return;
  const button = form.querySelector("[data-preset-apply]");
  if (button) button.hidden = true;
  const field = (id) => form.querySelector("#" + id);
  let previous = select.selectedOptions[0];

  select.addEventListener("change", () => {
    const option = select.selectedOptions[0];
    if (!option || !option.value) return;
    const baseUrl = field("f-custom-base_url");
    if (baseUrl) baseUrl.value = option.dataset.baseUrl;
    const keyRef = field("f-api_key_ref");
    if (keyRef) keyRef.value = option.dataset.envVar || "";
    const cred = field("f-credential_id");
    if (cred) cred.value = option.value;
    const model = field("f-model");
    if (model && (!model.value.trim() || (previous && model.value === previous.dataset.model))) {
      model.value = option.dataset.model || "";
    }
    const name = field("f-name");
    if (name && (!name.value.trim() || (previous && name.value === previous.dataset.label))) {
      name.value = option.dataset.label;
    }
    previous = option;
  });
})();
