/* Model list: ask the provider (through the JSON API) and fill the model input's suggestions. */
(function () {
  "use strict";
  const T = window.Triplo;
  const form = document.querySelector("[data-profile-form]");
  const box = form && form.querySelector("[data-models]");
  if (!box) return;
  const button = box.querySelector("[data-fetch-models]");
  const spinner = button.querySelector("[data-spinner]");
  const label = button.querySelector("[data-label]");
  const status = box.querySelector("[data-models-status]");
  const list = document.getElementById("model-options");
  button.hidden = false;

  function value(name) {
    const input = Array.from(form.querySelectorAll('[name="' + name + '"]')).find((el) => !el.matches(":disabled"));
    return input ? input.value.trim() : "";
  }

  function changed(name) {
    const input = Array.from(form.querySelectorAll('[name="' + name + '"]')).find((el) => !el.matches(":disabled"));
    return input ? input.value !== input.defaultValue : false;
  }

  /* A saved profile with untouched connection inputs asks by id (its env-var key works too); otherwise the form values. */
  function request(refresh) {
    const provider = value("provider");
    const id = form.dataset.profileId;
    const untouched = !["api_key", "token", "url", "base_url", "credential_id"].some(changed);
    if (id && provider === form.dataset.savedProvider && untouched) {
      return T.api("GET", "/api/llm/profiles/" + encodeURIComponent(id) + "/models" + (refresh ? "?refresh=1" : ""));
    }
    const body = { provider, refresh };
    ["base_url", "api_key", "url", "token", "credential_id"].forEach((name) => {
      const v = value(name);
      if (v) body[name] = v;
    });
    return T.api("POST", "/api/llm/models", body);
  }

  let loaded = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    spinner.hidden = false;
    box.setAttribute("aria-busy", "true");
    label.textContent = "Loading…";
    T.setStatus(status, "Asking the provider for its models…");
    const result = await request(loaded);
    button.disabled = false;
    spinner.hidden = true;
    box.removeAttribute("aria-busy");
    label.textContent = "Reload models";
    if (result.ok && result.data && Array.isArray(result.data.models)) {
      loaded = true;
      list.replaceChildren(...result.data.models.map((name) => {
        const option = document.createElement("option");
        option.value = name;
        return option;
      }));
      const n = result.data.models.length;
      const input = form.querySelector("#f-model");
      // A server that serves one model (llama.cpp): that is the model, unless the user typed another one.
      if (n === 1 && input && (!input.value.trim() || input.value === input.defaultValue) &&
          input.value !== result.data.models[0]) {
        input.value = result.data.models[0];
        input.dispatchEvent(new Event("input", { bubbles: true }));
        T.setStatus(status, "The server serves one model, " + result.data.models[0] + ": it is filled in.", "ok");
        return;
      }
      T.setStatus(status, n ? n + " model" + (n === 1 ? "" : "s") + " loaded: pick one from the suggestions or type any id."
                              : "The provider listed no models; type the model id.", n ? "ok" : "");
    } else {
      let message = T.messageOf(result);
      if (result.data && result.data.fields) message = Object.entries(result.data.fields).map(([k, v]) => T.errorText(k, v)).join(" ");
      message = String(message).trim();
      T.setStatus(status, "Could not load the model list: " + message + (/[.!?…]$/.test(message) ? "" : ".") +
                  " You can still type the model id.", "error");
    }
  });
})();
