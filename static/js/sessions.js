// Roles & Chat sessions: a dialog for every delete, rename and message edits in place (JSON API), the list
// searched as one types, and each new reply given its Edit / Delete / Regenerate from here.
// Without JS the same links and forms work: confirmation boxes in the page, posts, then a redirect.
(function () {
  "use strict";

  var panel = document.getElementById("sessions");
  if (!panel || !window.fetch) return;
  var T = window.Triplo;
  var results = document.getElementById("sessions-results");
  var log = document.getElementById("chat-log");
  var announcer = document.getElementById("chat-announce");
  var picker = document.getElementById("session-pick");

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML.replace(/"/g, "&quot;");
  }

  function fill(template, values) {  // a <template>'s markup with __NAME__ placeholders filled in, escaped
    var html = template.innerHTML;
    Object.keys(values).forEach(function (key) { html = html.split(key).join(escapeHtml(values[key])); });
    var holder = document.createElement("div");
    holder.innerHTML = html;
    return holder;
  }

  // A refusal in words: each field's reason after its label ("Title must be at most 200 characters").
  function problem(result, label) {
    var fields = result.data && result.data.fields;
    if (!fields) return T.messageOf(result);
    return Object.keys(fields).map(function (name) { return T.errorText(label, fields[name]); }).join(" ");
  }

  // PATCH one field of a form to its data-api URL: the stored answer, or null with the reason under the field.
  async function patch(form, name, label) {
    var field = form.elements[name], error = form.querySelector("[data-form-error]");
    var body = {};
    body[name] = field.value;
    var result = await T.api("PATCH", form.getAttribute("data-api"), body);
    error.hidden = result.ok;
    error.textContent = result.ok ? "" : problem(result, label);
    if (result.ok) field.removeAttribute("aria-invalid"); else field.setAttribute("aria-invalid", "true");
    if (!result.ok) field.focus();
    return result.ok ? result.data : null;
  }

  function say(text) {
    if (announcer) announcer.textContent = text;
  }

  // ---- confirmations: one <dialog> for deleting a session or a message -----------------------------------
  var dialog = document.getElementById("confirm-dialog");
  var opener = null;
  if (dialog && typeof dialog.showModal === "function") {
    document.addEventListener("click", function (event) {
      var link = event.target.closest("[data-confirm-action]");
      if (!link) return;
      event.preventDefault();
      opener = link;
      dialog.querySelector("form").setAttribute("action", link.getAttribute("data-confirm-action"));
      dialog.querySelector("#confirm-dialog-title").textContent = link.getAttribute("data-confirm-title");
      dialog.querySelector("[data-confirm-text]").textContent = link.getAttribute("data-confirm-text");
      dialog.querySelector("[data-confirm-button]").textContent = link.getAttribute("data-confirm-button");
      dialog.showModal();
      dialog.querySelector("[data-dialog-cancel]").focus();  // the safe way out first, never the delete button
    });
    dialog.querySelector("[data-dialog-cancel]").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () { if (opener && document.contains(opener)) opener.focus(); });
  }

  // ---- rename in place -----------------------------------------------------------------------------------
  panel.addEventListener("submit", async function (event) {
    var form = event.target.closest(".session-rename form");
    if (!form) return;
    event.preventDefault();
    var s = await patch(form, "title", "The title");
    if (!s) return;
    var name = s.title || "Session " + s.session_id.slice(0, 8);
    var item = form.closest("[data-session-id]");
    item.querySelector("[data-session-name]").textContent = name;
    form.elements.title.value = s.title || "";
    var details = form.closest("details");
    details.open = false;
    details.querySelector("summary").focus();
    document.getElementById("sessions-count").textContent = "Renamed to “" + name + "”.";
    refresh();  // the labels (and the picker's) as the server writes them
  });

  // ---- search as one types (the form's Search button and the no-JS page do the same) -----------------------
  var search = document.getElementById("sessions-q");
  var searchForm = search && search.form;
  var timer = null, asked = 0;

  async function refresh() {
    var params = new URLSearchParams({q: search ? search.value : ""});
    var current = log && log.getAttribute("data-session-id");
    if (current) params.set("session", current);
    var mine = ++asked;
    var html = await T.html(searchForm.getAttribute("data-fragment") + "?" + params.toString());
    if (html === null || mine !== asked) return;  // a later search is on its way: keep to the newest
    results.innerHTML = html;  // our server's rendering (escaped by Jinja)
    syncPicker();
  }

  function syncPicker() {  // the session select says what the list says ("3 messages", never a stale "no messages")
    if (!picker) return;
    results.querySelectorAll("[data-session-id]").forEach(function (item) {
      var option = picker.querySelector('option[value="' + CSS.escape(item.getAttribute("data-session-id")) + '"]');
      if (option) option.textContent = item.getAttribute("data-label");
    });
  }

  if (search) {
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        refresh();
        var url = new URL(window.location.href);
        if (search.value.trim()) url.searchParams.set("q", search.value); else url.searchParams.delete("q");
        history.replaceState(null, "", url.toString());  // a reload keeps the search
      }, 250);
    });
  }

  // ---- messages: edit in place, tools on new replies ---------------------------------------------------------
  var editorTemplate = document.getElementById("msg-editor-template");
  var toolsTemplate = document.getElementById("msg-tools-template");

  async function openEditor(link) {
    var item = link.closest("[data-message-id]");
    var id = item.getAttribute("data-message-id");
    var open = item.querySelector("form.msg-editor");
    if (open) { open.elements.content.focus(); return; }
    var session = await T.api("GET", editorTemplate.getAttribute("data-session-api"));
    if (!session.ok) { T.showChatError(T.messageOf(session)); return; }
    var stored = null;
    (session.data.messages || []).forEach(function (m) {
      (m.alternatives || [m]).forEach(function (a) { if (a.id === id) stored = a; });
    });
    if (!stored) { T.showChatError("This message is no longer in the session: reload the page."); return; }
    var speaker = item.querySelector(".msg-speaker").textContent;
    var form = fill(editorTemplate, {"__MSG__": id, "__SPEAKER__": speaker}).firstElementChild;
    form.elements.content.value = stored.content;
    item.querySelector("[data-msg-tools]").before(form);
    form.elements.content.focus();
  }

  document.addEventListener("click", function (event) {
    var edit = event.target.closest("[data-edit-message]");
    if (edit && editorTemplate) {
      event.preventDefault();
      openEditor(edit);
      return;
    }
    var cancel = event.target.closest("[data-edit-cancel]");
    if (cancel) {
      event.preventDefault();
      var item = cancel.closest("[data-message-id]");
      cancel.closest("form").remove();
      item.querySelector("[data-edit-message]").focus();
    }
  });

  document.addEventListener("submit", async function (event) {
    var form = event.target.closest("form.msg-editor");
    if (!form) return;
    event.preventDefault();
    var saved = await patch(form, "content", "The text");
    if (!saved) return;
    var item = form.closest("[data-message-id]");
    await showText(item, saved);
    var tools = item.querySelector("[data-msg-tools]");
    if (!tools.querySelector("[data-edited]")) {
      tools.insertAdjacentHTML("afterbegin", '<span class="msg-edited muted" data-edited>edited</span>');
    }
    form.remove();
    tools.querySelector("[data-edit-message]").focus();
    // Other scripts (a Markdown renderer) may draw the text again.
    item.dispatchEvent(new CustomEvent("triplo:message-edited", {bubbles: true, detail: saved}));
    say("Message saved.");
  });

  // The saved text as the page shows it: a reply rendered by the server (Markdown, sanitised), a line as typed.
  async function showText(item, saved) {
    var text = item.querySelector("[data-text]");
    var chatForm = document.getElementById("chat-form");
    var html = saved.is_ai && chatForm ? await T.html(chatForm.getAttribute("data-answered") + "?session=" +
      encodeURIComponent(saved.session_id) + "&message=" + encodeURIComponent(saved.id)) : null;
    var holder = document.createElement("div");
    holder.innerHTML = html || "";  // our own server's rendering (escaped and sanitised there)
    var rendered = holder.querySelector("[data-rendered]");
    if (rendered) text.replaceChildren.apply(text, Array.from(rendered.childNodes));
    else text.textContent = saved.content;
  }

  function roleLabel(roleId) {
    var data = document.getElementById("chat-data");
    var roles = data ? JSON.parse(data.textContent).roles || [] : [];
    for (var i = 0; i < roles.length; i++) if (roles[i].id === roleId) return roles[i].label || roles[i].name;
    return roleId;
  }

  function addTools(item) {  // a reply that streamed in gets the tools the page gives every stored message
    if (!toolsTemplate || item.querySelector("[data-msg-tools]")) return;
    var roleId = item.getAttribute("data-role-id") || "";
    var text = item.querySelector("[data-text]").textContent;
    var holder = fill(toolsTemplate, {"__MSG__": item.getAttribute("data-message-id"),
      "__SPEAKER__": item.querySelector(".msg-speaker").textContent, "__ROLE__": roleId, "__LABEL__": roleLabel(roleId),
      "__TEXT__": text.length > 80 ? text.slice(0, 77) + "..." : text});
    while (holder.firstChild) item.appendChild(holder.firstChild);
  }

  if (log && window.MutationObserver) {
    var pending = null;
    new MutationObserver(function (changes) {
      var stored = changes.some(function (c) {
        return c.type === "attributes" && c.target.getAttribute("data-message-id");
      });
      if (!stored) return;
      changes.forEach(function (c) {
        if (c.type === "attributes" && c.target.classList.contains("msg-ai") && c.target.getAttribute("data-message-id")) {
          addTools(c.target);
        }
      });
      clearTimeout(pending);
      pending = setTimeout(refresh, 300);  // the message counts in the list and the picker
    }).observe(log, {attributes: true, attributeFilter: ["data-message-id"], subtree: true});
  }
})();
