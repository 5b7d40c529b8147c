/* Shared helpers for the page scripts: CSRF-aware JSON fetch, inline field errors, status lines. */
(function () {
  "use strict";

  const TIMEOUT_MS = 60000;

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  /* fetch() with the session's CSRF token and the shared 401 handling; never throws: {response, error}.
     `timeout` (ms) bounds the whole exchange unless it is 0 (a stream reads for as long as the reply lasts). */
  async function send(method, url, body, accept, timeout, signal) {
    const controller = new AbortController();
    const timer = timeout ? setTimeout(() => controller.abort(), timeout) : null;
    const options = {
      method,
      credentials: "same-origin",
      headers: { Accept: accept, "X-CSRF-Token": csrf() },
      signal: signal || controller.signal,  // the caller's own (a Stop button), else the timeout's
    };
    if (body !== undefined && body !== null) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    try {
      const response = await fetch(url, options);
      if (response.status === 401) {
        // The session ended (logged out elsewhere, or the password changed): log in again, then come back.
        window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname + window.location.search));
      }
      return { response, error: null, done: () => clearTimeout(timer) };
    } catch (err) {
      clearTimeout(timer);
      const error = err && err.name === "AbortError" ? (signal && signal.aborted ? "Stopped." : "The server did not answer in time.") : "The server cannot be reached.";
      return { response: null, error, done: () => {} };
    }
  }

  /* A JSON endpoint; never throws: {ok, status, data, error}. */
  async function api(method, url, body) {
    const sent = await send(method, url, body, "application/json", TIMEOUT_MS);
    if (!sent.response) return { ok: false, status: 0, data: null, error: sent.error };
    let data = null;
    try { data = await sent.response.json(); } catch (_) { data = null; }
    sent.done();
    return { ok: sent.response.ok, status: sent.response.status, data, error: null };
  }

  /* A streamed (SSE) answer to a JSON POST: {response, error}; the caller reads response.body. */
  async function stream(url, body, signal) {
    return send("POST", url, body, "text/event-stream", 0, signal);
  }

  /* Server-Sent Events out of the text a stream sent so far: onEvent(name or null, parsed data) per whole frame;
     returns the unparsed rest (prepend it to the next piece). */
  function drainEvents(buffer, onEvent) {
    const frames = buffer.split("\n\n");
    const rest = frames.pop();
    frames.forEach((frame) => {
      let name = null;
      const payload = [];
      frame.split("\n").forEach((line) => {
        if (line.indexOf("event:") === 0) name = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) payload.push(line.slice(5).replace(/^ /, ""));
      });
      if (payload.length) onEvent(name, JSON.parse(payload.join("\n")));
    });
    return rest;
  }

  /* A server-rendered HTML fragment (GET), or null. */
  async function html(url) {
    const sent = await send("GET", url, undefined, "text/html", TIMEOUT_MS);
    if (!sent.response || !sent.response.ok) return null;
    const text = await sent.response.text();
    sent.done();
    return text;
  }

  /* A cost as the server writes it (webui/core/usage/metering.usd): cents from a cent up, else significant digits. */
  function usd(value) {
    if (value === 0 || value >= 0.01) return "$" + value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    return "$" + value.toFixed(Math.min(12, 2 - Math.floor(Math.log10(value)))).replace(/0+$/, "");
  }

  /* The error message of a failed api() answer, in words a person can act on. */
  /* Same rules as forms.user_text on the server: no env-var or exception class names shown to people. */
  function userText(text) {
    text = text || "";
    if (text.indexOf("SUPERVISOR_SERVER_URL") >= 0) {
      return text.indexOf("invalid") >= 0
        ? "The address of the desktop app's supervisor is set wrong in this installation: ask whoever set it up, or restart Triplo yourself."
        : "The desktop app is not managed from here, so it was not restarted: restart Triplo yourself.";
    }
    var name = /\s*\((?:\w+\.)*\w*(?:Error|Exception|Timeout)\w*\)/g;
    if (name.test(text)) {
      text = text.replace(name, "").replace(/\.$/, "") + ". Check that the server is running and the address is right.";
    }
    return text;
  }

  function messageOf(result) {
    if (result.error) return userText(result.error);
    if (result.data && result.data.message) return userText(result.data.message);
    return "The request failed (HTTP " + result.status + ").";
  }

  function setStatus(el, text, kind) {
    if (!el) return;
    el.textContent = text || "";
    el.classList.toggle("is-ok", kind === "ok");
    el.classList.toggle("is-error", kind === "error");
  }

  /* 'is required' next to "Name" reads "Name is required" (the same rule as the server's forms.error_text). */
  function errorText(label, message) {
    const text = String(message);
    if (/^(is |must |lists |cannot )/.test(text)) return label + " " + text;
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function visible(el) {
    return !el.closest("[hidden]") && !el.closest("fieldset[disabled]");
  }

  /* The container of a field in a form: [data-field] or [data-secret], skipping hidden provider sections. */
  function fieldContainer(form, name) {
    const key = name.replace(/^options\./, "");
    const all = form.querySelectorAll('[data-field="' + key + '"], [data-secret="' + key + '"]');
    return Array.from(all).find(visible) || null;
  }

  function clearFieldErrors(form) {
    form.querySelectorAll(".has-error").forEach((el) => el.classList.remove("has-error"));
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    form.querySelectorAll(".field-error").forEach((el) => { el.textContent = ""; el.hidden = true; });
  }

  /* Show {field: message} next to the fields; returns the messages that have no field on this form. */
  function showFieldError(container, message) {
    const error = container.querySelector(".field-error");
    const control = container.querySelector("input, select, textarea");
    const label = container.querySelector("label, .label-text");
    const text = errorText(label ? label.textContent.replace(/^New /, "").trim() : "", message);
    container.classList.add("has-error");
    if (error) {
      error.textContent = text;
      error.hidden = false;
    }
    if (control) {
      control.setAttribute("aria-invalid", "true");
      const ids = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (error && error.id && !ids.includes(error.id)) control.setAttribute("aria-describedby", ids.concat(error.id).join(" "));
    }
    const details = container.closest("details");
    if (details) details.open = true;
    const inner = container.querySelector("details");
    if (inner) inner.open = true;
    return text;
  }

  function showFieldErrors(form, fields) {
    const orphans = [];
    Object.entries(fields || {}).forEach(([name, message]) => {
      const container = fieldContainer(form, name);
      if (container) showFieldError(container, message);
      else orphans.push(errorText(name, message));
    });
    return orphans;
  }

  /* The summary box above a form (made on demand), listing problems; empty list hides it. */
  function showSummary(form, title, items) {
    let box = document.getElementById("error-summary");
    if (!box) {
      box = document.createElement("div");
      box.id = "error-summary";
      box.className = "alert alert-error";
      box.setAttribute("role", "alert");
      box.tabIndex = -1;
      form.parentNode.insertBefore(box, form);
    }
    if (!title) { box.hidden = true; return; }
    box.hidden = false;
    box.replaceChildren();
    const p = document.createElement("p");
    p.className = "alert-title";
    p.textContent = title;
    box.appendChild(p);
    if (items && items.length) {
      const ul = document.createElement("ul");
      items.forEach((text) => { const li = document.createElement("li"); li.textContent = text; ul.appendChild(li); });
      box.appendChild(ul);
    }
  }

  /* A sentence about what happened to the desktop app after a save. */
  function desktopText(outcome) {
    if (!outcome) return "";
    if (outcome.result === "restarted") return "The desktop app was restarted.";
    if (outcome.result === "failed") return "The desktop app could not be restarted: " + userText(outcome.message);
    if (outcome.result === "skipped" && outcome.message) return userText(outcome.message);
    return "";
  }

  /* A message in the page's flash area (the same place server-side outcomes appear). */
  function flash(text, kind) {
    const area = document.getElementById("flashes");
    if (!area) return;
    const p = document.createElement("p");
    p.className = "flash flash-" + (kind || "info");
    p.textContent = text;
    area.appendChild(p);
  }

  function catalog() {
    const el = document.getElementById("catalog-data");
    if (!el) return [];
    try { return JSON.parse(el.textContent); } catch (_) { return []; }
  }

  /* The short provider name used in badges and the header. */
  function providerLabel(id) {
    const spec = catalog().find((p) => p.id === id);
    return (spec && spec.short_label) || id;
  }

  // The error box next to the chat (#chat-error): one message, shown and scrolled into view.
  function showChatError(message) {
    const box = document.getElementById("chat-error");
    if (!box) return;
    box.textContent = "";
    const line = document.createElement("p");
    line.textContent = message;
    box.appendChild(line);
    box.hidden = false;
    box.scrollIntoView({block: "nearest"});
  }

  window.Triplo = { providerLabel, showChatError, api, stream, html, usd, messageOf, userText, setStatus, errorText, fieldContainer, clearFieldErrors, showFieldErrors,
                    showSummary, desktopText, catalog, visible, flash };
  window.Triplo.drainEvents = drainEvents;
})();
