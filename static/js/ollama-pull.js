/* Ollama `Pull model`: start the server-side pull through the JSON API, then poll its progress (bytes per layer
   and overall) until it ends; Cancel stops it. A reload finds the running pull and keeps polling. */
(function () {
  "use strict";
  const T = window.Triplo;
  const box = document.querySelector("[data-pull]");
  if (!box) return;
  const form = box.closest("form");
  const api = box.dataset.pullApi;
  const start = box.querySelector("[data-pull-start]");
  const cancel = box.querySelector("[data-pull-cancel]");
  const refresh = box.querySelector("[data-pull-refresh]");
  const progress = box.querySelector("[data-pull-progress]");
  const bar = box.querySelector("[data-pull-bar]");
  const status = box.querySelector("[data-pull-status]");
  const layers = box.querySelector("[data-pull-layers]");
  const POLL_MS = 500;
  let timer = null;

  function value(name) {
    const input = Array.from(form.querySelectorAll('[name="' + name + '"]')).find((el) => !el.matches(":disabled"));
    return input ? input.value.trim() : "";
  }

  function target() {
    const body = { model: value("model") };
    ["url", "credential_id"].forEach((name) => { if (value(name)) body[name] = value(name); });
    return body;
  }

  function size(bytes) {
    const units = ["B", "kB", "MB", "GB", "TB"];
    let n = bytes, i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
    return (i ? n.toFixed(1) : String(n)) + " " + units[i];
  }

  function text(pull) {
    if (pull.state === "done") return "Pulled " + pull.model + ": it is on the server and in the model list.";
    if (pull.state === "failed") return "The pull of " + pull.model + " failed: " + T.userText(pull.error || "no reason given");
    if (pull.state === "cancelled") return "The pull of " + pull.model + " was cancelled.";
    return "Pulling " + pull.model + ": " + pull.status + (pull.percent != null ? " (" + pull.percent + "%)" : "") + "…";
  }

  function show(pull) {
    progress.hidden = false;
    bar.value = pull.percent || 0;
    T.setStatus(status, text(pull), pull.state === "failed" ? "error" : pull.state === "done" ? "ok" : "");
    layers.replaceChildren(...(pull.layers || []).map((layer) => {
      const item = document.createElement("li");
      item.textContent = layer.digest.slice(7, 19) + ": " + size(layer.completed) + " of " + size(layer.total);
      return item;
    }));
    const running = pull.state === "running";
    cancel.hidden = !running;
    refresh.hidden = true;  // the page follows the pull by itself
    start.disabled = running;
    box.dataset.pullState = pull.state;
    if (pull.state === "done") {  // a "Connection failed: … no model" from before the pull is no longer true
      const outcome = form.querySelector("[data-form-status]");
      if (outcome && outcome.classList.contains("is-error")) T.setStatus(outcome, "");
    }
    if (pull.state === "done" && Array.isArray(pull.models)) {
      const list = document.getElementById("model-options");
      if (list) {
        list.replaceChildren(...pull.models.map((name) => {
          const option = document.createElement("option");
          option.value = name;
          return option;
        }));
      }
    }
  }

  async function poll() {
    clearTimeout(timer);
    const query = new URLSearchParams(target());
    const result = await T.api("GET", api + "?" + query.toString());
    if (result.ok && result.data) {
      show(result.data);
      if (result.data.state === "running") timer = setTimeout(poll, POLL_MS);
    }
  }

  start.addEventListener("click", async (event) => {
    event.preventDefault();
    const body = target();
    const token = value("token");
    if (token) body.token = token;
    start.disabled = true;
    const result = await T.api("POST", api, body);
    if (result.ok && result.data) {
      show(result.data);
      if (result.data.state === "running") timer = setTimeout(poll, POLL_MS);
    } else {
      start.disabled = false;
      progress.hidden = false;
      let message = T.messageOf(result);
      if (result.data && result.data.fields) message = Object.entries(result.data.fields).map(([k, v]) => T.errorText(k, v)).join(" ");
      T.setStatus(status, "Could not start the pull: " + message, "error");
    }
  });

  cancel.addEventListener("click", async (event) => {
    event.preventDefault();
    clearTimeout(timer);
    const result = await T.api("POST", api + "/cancel", target());
    if (result.ok && result.data) show(result.data);
  });

  if (box.dataset.pullState === "running") poll();  // after a reload: follow the pull that is still going
})();
