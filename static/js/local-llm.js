/* Local LLM tab: regenerate the sync key and refresh the model list without a reload. */
(function () {
  "use strict";
  const T = window.Triplo;

  const keyForm = document.querySelector("[data-llm-key-form]");
  if (keyForm) {
    keyForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const status = keyForm.querySelector("[data-form-status]");
      const button = keyForm.querySelector("button");
      button.disabled = true;
      T.setStatus(status, "Making a new key…");
      const result = await T.api("POST", "/api/local-llm/key", { persist: true });
      button.disabled = false;
      if (result.ok && result.data && result.data.llm_key) {
        // The stored key shows as its mask; the new one is shown in full once (this answer only) to be copied.
        keyForm.querySelector("[data-llm-key-hint]").textContent = "…" + result.data.llm_key.slice(-4);
        const once = keyForm.querySelector("[data-key-once]");
        once.querySelector("[data-key-full]").textContent = result.data.llm_key;
        once.hidden = false;
        keyForm.querySelector("[data-confirm-step]").open = false;
        T.setStatus(status, ("New key saved. " + T.desktopText(result.data.desktop)).trim(), "ok");
      } else {
        T.setStatus(status, "The key was not changed: " + T.messageOf(result), "error");
      }
    });
  }

  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      const text = button.parentElement.querySelector("code").textContent;
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
      } catch (err) {  // no clipboard permission (plain http): select it for Ctrl+C instead
        const range = document.createRange();
        range.selectNodeContents(button.parentElement.querySelector("code"));
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
        button.textContent = "Selected: press Ctrl+C";
      }
    });
  });

  const modelsForm = document.querySelector("[data-local-models-form]");
  if (modelsForm) {
    modelsForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const status = modelsForm.querySelector("[data-form-status]");
      const button = modelsForm.querySelector("button[type=submit]");
      const spinner = modelsForm.querySelector("[data-spinner]");
      const url = modelsForm.querySelector('[name="url"]').value.trim();
      T.clearFieldErrors(modelsForm);
      button.disabled = true;
      spinner.hidden = false;
      T.setStatus(status, "Asking " + url + " for its models…");
      const result = await T.api("POST", "/api/local-llm/models", { url, persist: true });
      button.disabled = false;
      spinner.hidden = true;
      if (result.ok && result.data && Array.isArray(result.data.models)) {
        const list = modelsForm.querySelector("[data-models-list]");
        const names = result.data.models;
        list.replaceChildren(...names.map((name) => {
          const li = document.createElement("li");
          li.className = "chip";
          li.textContent = name;
          return li;
        }));
        modelsForm.querySelector("[data-models-count]").textContent = String(names.length);
        T.setStatus(status, ("Found " + names.length + " model" + (names.length === 1 ? "" : "s") + ". " +
                             T.desktopText(result.data.desktop)).trim(), "ok");
      } else {
        const fields = (result.data && result.data.fields) || { url: T.messageOf(result) };
        T.showFieldErrors(modelsForm, fields);
        T.setStatus(status, "The model list was not refreshed.", "error");
      }
    });
  }
})();
