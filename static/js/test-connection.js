/* Test connection inline: a tiny real request through the JSON API, showing latency or the error. */
(function () {
  "use strict";
  const T = window.Triplo;
  document.querySelectorAll("[data-test-url]").forEach((button) => {
    const status = button.closest("form").querySelector("[data-form-status]");
    button.addEventListener("click", async (event) => {
      event.preventDefault();
      button.disabled = true;
      T.setStatus(status, "Testing the saved profile…");
      const result = await T.api("POST", button.dataset.testUrl);
      button.disabled = false;
      if (result.ok && result.data && result.data.ok) {
        T.setStatus(status, "Connection OK: " + result.data.model + " answered in " + result.data.latency_ms + " ms.", "ok");
      } else {
        const why = result.data && result.data.error && typeof result.data.error === "string" && result.data.ok === false
          ? result.data.error : T.messageOf(result);
        T.setStatus(status, "Connection failed: " + why, "error");
      }
    });
  });
})();
