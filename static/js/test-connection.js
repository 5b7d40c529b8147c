/* Test connection inline: the editor's values as they stand (saved or not) go to the JSON API, which checks the
   server and the chosen model; the outcome shows next to the button. */
(function () {
  "use strict";
  const T = window.Triplo;
  const FIELDS = ["provider", "model", "base_url", "api_key", "url", "token", "credential_id", "api_key_ref"];
  const LABELS = {model: "Model", base_url: "Base URL", url: "Server URL", api_key: "API key", token: "Token",
                  credential_id: "Credential set", api_key_ref: "API key variable", provider: "Provider"};
  const sentence = (text) => { text = String(text || "").trim(); return /[.!?…]$/.test(text) ? text : text + "."; };
  document.querySelectorAll("[data-test-connection]").forEach((button) => {
    const form = button.closest("form");
    const status = form.querySelector("[data-form-status]");

    function value(name) {
      const input = Array.from(form.querySelectorAll('[name="' + name + '"]')).find((el) => !el.matches(":disabled"));
      return input ? input.value.trim() : "";
    }

    let marked = false;  // field errors this script showed (cleared by the next test)
    button.addEventListener("click", async (event) => {
      event.preventDefault();
      if (marked) { T.clearFieldErrors(form); marked = false; }
      const body = {};
      FIELDS.forEach((name) => { const v = value(name); if (v) body[name] = v; });
      if (form.dataset.profileId) body.profile_id = form.dataset.profileId;
      button.disabled = true;
      T.setStatus(status, "Testing " + (body.model || "the connection") + "…");
      const result = await T.api("POST", button.dataset.testUrl, body);
      button.disabled = false;
      const data = result.data || {};
      if (result.ok && data.ok) {
        let text = "Connection OK: " + data.model + " answered in " + data.latency_ms + " ms";
        const called = data.checked === "one_token_call";
        if (data.model_found && called) text += "; the server lists this model, and a 1-token test call went through.";
        else if (called) text += " (a 1-token test call: this server's model list cannot prove the model exists).";
        else text += data.model_found ? "; the server lists this model." : ".";
        T.setStatus(status, text, "ok");
      } else if (result.ok) {
        T.setStatus(status, "Connection failed: " + sentence(T.userText(data.error || "no answer")), "error");
      } else if (data.fields) {  // the form is incomplete: nothing was sent to the server
        T.showFieldErrors(form, data.fields);  // next to their fields too
        marked = true;
        const shown = Object.entries(data.fields).map(([k, v]) => sentence(T.errorText(LABELS[k] || k, v)));
        T.setStatus(status, "Not tested: " + shown.join(" "), "error");
      } else {
        T.setStatus(status, "Connection failed: " + sentence(T.messageOf(result)), "error");
      }
    });
  });
})();
