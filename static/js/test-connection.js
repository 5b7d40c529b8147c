/* Test connection inline: the editor's values as they stand (saved or not) go to the JSON API, which checks the
   server and the chosen model; the outcome shows next to the button. */
(function () {
  "use strict";
  const T = window.Triplo;
  const FIELDS = ["provider", "model", "base_url", "api_key", "url", "token", "credential_id", "api_key_ref"];
  document.querySelectorAll("[data-test-connection]").forEach((button) => {
    const form = button.closest("form");
    const status = form.querySelector("[data-form-status]");

    function value(name) {
      const input = Array.from(form.querySelectorAll('[name="' + name + '"]')).find((el) => !el.matches(":disabled"));
      return input ? input.value.trim() : "";
    }

    button.addEventListener("click", async (event) => {
      event.preventDefault();
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
        T.setStatus(status, "Connection failed: " + T.userText(data.error || "no answer"), "error");
      } else {
        let message = T.messageOf(result);
        if (data.fields) message = Object.entries(data.fields).map(([k, v]) => T.errorText(k, v)).join(" ");
        T.setStatus(status, "Connection failed: " + message, "error");
      }
    });
  });
})();
