/* Profile editor: save through the JSON API without a reload; inline errors; extra params checked as you type. */
(function () {
  "use strict";
  const T = window.Triplo;
  const form = document.querySelector("[data-profile-form]");
  if (!form) return;
  const status = form.querySelector("[data-form-status]");
  const extra = form.querySelector("[data-json-object]");
  // The tuning parameters: the inputs the page rendered from the catalog (webui/catalog.py PARAMS).
  const PARAMS = Array.from(new Set(Array.from(form.querySelectorAll("[data-param]"), (el) => el.dataset.param)));

  /* null when the text is fine, else the message shown under the field. */
  function extraProblem(text) {
    if (!text.trim()) return null;
    try {
      const value = JSON.parse(text);
      if (value === null || typeof value !== "object" || Array.isArray(value)) return 'must be a JSON object, like {"seed": 42}';
      return null;
    } catch (err) {
      return "are not valid JSON: " + err.message;
    }
  }

  function checkExtra() {
    const container = T.fieldContainer(form, "extra_params");
    const error = container.querySelector(".field-error");
    const problem = extraProblem(extra.value);
    container.classList.toggle("has-error", !!problem);
    error.hidden = !problem;
    error.textContent = problem ? "Extra parameters " + problem : "";
    if (problem) extra.setAttribute("aria-invalid", "true");
    else extra.removeAttribute("aria-invalid");
    return !problem;
  }
  if (extra) extra.addEventListener("input", checkExtra);

  /* The cost inputs: form name -> [profile field, key] (webui/web/forms.MONEY_INPUTS). */
  const MONEY = { pricing_input: ["pricing", "input_per_mtok"], pricing_output: ["pricing", "output_per_mtok"],
                  budget_monthly: ["budget", "monthly_usd"] };

  /* The same payload the server builds from the posted form (webui/web/forms.profile_payload). */
  function payload() {
    const data = new FormData(form); // disabled inputs (other providers, unsupported params) are left out
    const text = (name) => (data.get(name) || "").toString().trim();
    const body = { name: text("name"), provider: text("provider"), model: text("model") };
    ["base_url", "api_key_ref", "credential_id", ...PARAMS].forEach((name) => {
      if (data.has(name)) body[name] = text(name) === "" ? null : text(name);
    });
    body.options = { json_mode: data.has("json_mode"), stream: data.has("stream") };
    ["num_ctx", "keep_alive", "num_gpu"].forEach((name) => {  // Ollama's local parameters (only sent for Ollama)
      const typed = text(name);
      if (typed) body.options[name] = /^-?\d{1,9}$/.test(typed) ? Number(typed) : typed;
    });
    body.extra_params = extra && extra.value.trim() ? JSON.parse(extra.value) : {};
    body.fallback_profile_ids = data.getAll("fallback_profile_ids").map(String);
    ["api_key", "token"].forEach((name) => { if (text(name)) body[name] = text(name); });
    if (data.has("url")) body.url = text("url");
    Object.entries(MONEY).forEach(([name, [field, part]]) => {
      if (data.has(name)) (body[field] = body[field] || {})[part] = text(name);
    });
    body.set_active = data.has("set_active");
    return body;
  }

  function setText(root, selector, value) {
    const el = root && root.querySelector(selector);
    if (el) el.textContent = value;
  }

  /* After a save: the secrets' masks, the sidebar entry, the title, and the header when it is the active profile. */
  function applySaved(profile) {
    const spec = { label: T.providerLabel(profile.provider) };
    form.dataset.savedProvider = profile.provider;
    setText(document, "[data-editor-title]", profile.name);
    form.querySelectorAll("[data-secret]").forEach((box) => {
      if (!T.visible(box)) return;
      const stored = (profile.credential || {})[box.dataset.secret];
      const input = box.querySelector("input");
      if (input) { input.value = ""; input.defaultValue = ""; }
      if (stored && stored.set) {
        box.dataset.set = "true";
        box.querySelector(".secret-stored").hidden = false;
        setText(box, ".secret-hint", stored.hint || "…");
        const details = box.querySelector("details");
        if (details) details.open = false;
      }
    });
    form.querySelectorAll("input:not([type=password]), select, textarea").forEach((el) => {
      if ("defaultValue" in el && el.tagName !== "SELECT") el.defaultValue = el.value;
    });
    const item = document.querySelector('.profile-item[data-id="' + CSS.escape(profile.id) + '"]');
    if (item) {
      item.dataset.name = profile.name;
      setText(item, '[data-part="name"]', profile.name);
      setText(item, '[data-part="model"]', profile.model);
      const badge = item.querySelector('[data-part="provider"]');
      if (badge) { badge.textContent = spec.label; badge.className = "badge badge-" + profile.provider; }
    }
    if (profile.active) {
      // The editor's own head: "Active", and no Activate button any more.
      const state = document.querySelector("[data-active-state]");
      if (state) { state.textContent = "Active"; state.className = "active-tag"; }
      const activate = document.querySelector("[data-activate-form]");
      if (activate) activate.remove();
      document.querySelectorAll('.profile-item [data-part="active"]').forEach((tag) => {
        tag.hidden = tag.closest(".profile-item") !== item;
      });
      document.querySelectorAll(".profile-item").forEach((li) => li.classList.toggle("is-active", li === item));
      const header = document.querySelector("[data-header-active] .header-profile");
      if (header) {
        header.replaceChildren();
        const strong = document.createElement("strong");
        strong.dataset.part = "name";
        strong.textContent = profile.name;
        header.append(strong, " · " + spec.label + " · " + profile.model);
      }
      const box = form.querySelector("[data-set-active]");
      if (box) {
        box.checked = true;
        box.disabled = true;
        box.setAttribute("data-locked", "");
        const label = form.querySelector('label[for="f-set_active"]');
        if (label) label.textContent = "This is the active profile";
      }
    }
  }

  form.addEventListener("submit", async (event) => {
    if (event.submitter && event.submitter.hasAttribute("formaction")) return; // Test connection has its own script
    // A new profile is posted as a plain form: the next page is the profile anyway, and it shows the flashed
    // outcome (including what happened to the desktop app).
    if (!form.dataset.profileId) return;
    event.preventDefault();
    T.clearFieldErrors(form);
    T.showSummary(form, null);
    if (extra && !checkExtra()) {
      T.showSummary(form, "Please fix the marked fields.", ["Extra parameters are not valid JSON."]);
      extra.focus();
      return;
    }
    const body = payload();
    const id = form.dataset.profileId;
    const save = form.querySelector("[data-save]");
    save.disabled = true;
    T.setStatus(status, "Saving…");
    const result = await T.api("PATCH", "/api/llm/profiles/" + encodeURIComponent(id), body);
    save.disabled = false;
    if (result.ok && result.data && result.data.profile) {
      applySaved(result.data.profile);
      if (T.markSaved) T.markSaved(form);
      T.setStatus(status, ("Saved. " + T.desktopText(result.data.desktop)).trim(), "ok");
      return;
    }
    if (result.status === 0 || !result.data || [404, 405, 415].includes(result.status)) {
      form.submit(); // the JSON API is not answering as expected: the plain form post still works
      return;
    }
    const fields = Object.assign({}, result.data.fields || {});
    Object.entries(MONEY).forEach(([name, [field, part]]) => {  // core names -> the inputs showing them
      [field + "." + part, field].forEach((key) => {
        if (key in fields) { fields[name] = fields[name] || fields[key]; delete fields[key]; }
      });
    });
    if (result.data.error === "desktop_error") fields.set_active = result.data.message;
    const orphans = T.showFieldErrors(form, fields);
    const title = result.data.error === "validation_failed" && result.data.message === "Validation failed"
      ? "Please fix the marked fields." : T.messageOf(result);
    const position = (name) => {
      const container = T.fieldContainer(form, name);
      return container ? Array.from(form.querySelectorAll("[data-field], [data-secret]")).indexOf(container) : 1e6;
    };
    const items = Object.entries(fields).sort((a, b) => position(a[0]) - position(b[0])).map(([k, v]) => {
      const container = T.fieldContainer(form, k);
      const error = container && container.querySelector(".field-error");
      return error && error.textContent ? error.textContent : T.errorText(k, v);
    });
    T.showSummary(form, title, items.length ? items : orphans);
    T.setStatus(status, "Not saved.", "error");
    const firstBad = form.querySelector("[aria-invalid=true]");
    if (firstBad) firstBad.focus();
  });
})();
