// Roles & Chat: `Compare` runs the same turn on 2-4 profiles through the JSON API, streamed: a card per profile
// shows at once ("Waiting for the reply…") and fills in as that profile answers. When every profile has answered
// the page opens its side-by-side view of the stored replies (with `Keep`). The typed message stays on an error,
// which shows next to the chat. Without JS the button posts the chat form to /roles/compare and lands on that view.
(function () {
  "use strict";

  var form = document.getElementById("chat-form");
  var button = document.getElementById("compare-run");
  var panel = document.getElementById("comparison");
  if (panel && location.hash === "#comparison") panel.scrollIntoView({block: "start"});
  if (!form || !button || !window.fetch || !window.ReadableStream) return;

  var T = window.Triplo;
  var errorBox = document.getElementById("chat-error");
  var announcer = document.getElementById("chat-announce");
  var data = JSON.parse((document.getElementById("chat-data") || {}).textContent || "{}");
  var profiles = data.profiles || [];

  function profileName(id) {
    var found = profiles.filter(function (p) { return p.id === id; })[0];
    return found ? found.name : id;
  }

  function roleName(id) {
    var found = (data.roles || []).filter(function (r) { return r.id === id; })[0];
    return found ? (found.label || found.name) : id;
  }

  function picked() {
    var ids = [];
    form.querySelectorAll('[name="compare_profile_id"]').forEach(function (control) {
      var id = T.profileId ? T.profileId(control) : control.value;
      if (id) ids.push(id);
    });
    return ids;
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  // The side-by-side panel of this run: one card per profile, waiting; it sits where the page puts its own.
  function openPanel(ids, roleId) {
    var old = document.getElementById("comparison");
    if (old) old.remove();
    var section = element("section", "comparison");
    section.id = "comparison";
    section.tabIndex = -1;
    section.setAttribute("aria-labelledby", "comparison-title");
    var head = element("div", "card-head");
    var title = element("h3", "", "Comparing replies of " + roleName(roleId));
    title.id = "comparison-title";
    head.appendChild(title);
    section.appendChild(head);
    var grid = element("div", "compare-grid");
    var cards = {};
    ids.forEach(function (id, i) {
      var card = element("article", "compare-card is-waiting");
      card.setAttribute("data-profile-id", id);
      card.setAttribute("aria-busy", "true");
      var name = element("h4", "", profileName(id));
      name.id = "compare-live-" + i;
      card.setAttribute("aria-labelledby", name.id);
      card.appendChild(name);
      card.appendChild(element("p", "compare-waiting muted", "Waiting for the reply…"));
      grid.appendChild(card);
      cards[id] = card;
    });
    section.appendChild(grid);
    var anchor = document.getElementById("chat-end");
    anchor.parentNode.insertBefore(section, anchor.nextSibling);
    section.scrollIntoView({block: "nearest"});
    return cards;
  }

  // The answered-by line for a reply not stored yet (the stored one, rendered by the page, replaces it).
  function metaLine(meta) {
    var usage = meta.usage || {};
    var parts = [];
    if (meta.model) parts.push(meta.model);
    if (meta.latency_ms != null) parts.push(meta.latency_ms + " ms");
    if (usage.prompt_tokens != null || usage.completion_tokens != null) {
      parts.push((usage.prompt_tokens != null ? usage.prompt_tokens : "?") + " → " +
                 (usage.completion_tokens != null ? usage.completion_tokens : "?") + " tokens");
    } else {
      parts.push("tokens unknown");
    }
    if (meta.cost_usd != null) parts.push(T.usd(meta.cost_usd));
    return parts.join(" · ");
  }

  function fill(card, answer) {
    card.classList.remove("is-waiting");
    card.removeAttribute("aria-busy");
    var waiting = card.querySelector(".compare-waiting");
    if (waiting) waiting.remove();
    if (answer.ok) {
      var text = element("div", "msg-text", answer.content);
      text.setAttribute("data-text", "");
      card.appendChild(text);
      var meta = element("p", "msg-meta", metaLine(answer.metadata || {}));
      meta.setAttribute("data-meta", "");
      card.appendChild(meta);
    } else {
      card.classList.add("is-failed");
      card.setAttribute("data-failed", "");
      card.appendChild(element("p", "msg-flag", "⚠ No reply: " + T.userText((answer.error || {}).message || "It failed.")));
    }
  }

  var LABELS = {llm_profile_ids: "Profiles", message: "Message", character_id: "Role"};
  function sentence(text) {
    text = String(text || "").trim();
    return /[.!?…]$/.test(text) ? text : text + ".";
  }

  // A refused request in sentences: each field's message ("Pick 2 to 4 different profiles."), else the message.
  function problem(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      var fields = body.fields || {};
      var text = Object.keys(fields).map(function (k) { return sentence(T.errorText(LABELS[k] || k, fields[k])); });
      return text.length ? text.join(" ") : sentence(body.message || ("The server answered " + response.status));
    });
  }

  function finished(body, roleId) {
    var failed = (body.results || []).filter(function (r) { return !r.ok; });
    if (failed.length) {
      sessionStorage.setItem("compare-errors", JSON.stringify(failed.map(function (r) {
        return {name: profileName(r.llm_profile_id), message: T.userText((r.error || {}).message || "It failed.")};
      })));
    }
    var url = new URL(location.href);
    url.searchParams.set("session", body.session_id);
    url.searchParams.set("role", roleId);
    url.searchParams.set("compare", body.position);
    url.hash = "comparison";
    location.assign(url.toString());
  }

  button.addEventListener("click", async function (event) {
    event.preventDefault();
    var ids = picked();
    var roleId = form.elements.role_id.value;
    var message = form.elements.message.value.trim() ? form.elements.message.value : null;
    errorBox.hidden = true;
    button.disabled = true;
    var label = button.textContent;
    button.textContent = "Comparing " + ids.length + " profiles…";
    announcer.textContent = button.textContent;
    var cards = null;
    try {
      var sent = await T.stream(button.getAttribute("data-api"),
                                {character_id: roleId, llm_profile_ids: ids, message: message, stream: true});
      if (!sent.response) throw new Error(sent.error);
      var response = sent.response;
      if (!response.ok || !(response.headers.get("Content-Type") || "").startsWith("text/event-stream")) {
        throw new Error(await problem(response));
      }
      cards = openPanel(ids, roleId);
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "", result = null;
      while (!result) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buffer = window.Triplo.drainEvents(buffer + decoder.decode(chunk.value, {stream: true}), function (name, payload) {
          if (name === "answer") {
            var card = cards[payload.llm_profile_id];
            if (card) fill(card, payload);
            announcer.textContent = profileName(payload.llm_profile_id) + (payload.ok ? " replied." : " failed.");
          } else if (name === "done") {
            result = payload;
          } else if (name === "error") {
            throw new Error(T.userText(payload.message || "The comparison failed."));
          }
        });
      }
      if (!result) throw new Error("The connection closed before every profile answered.");
      finished(result, roleId);
    } catch (err) {
      if (cards) {
        Object.keys(cards).forEach(function (id) {  // a card still waiting will not hear any more
          if (cards[id].classList.contains("is-waiting")) fill(cards[id], {ok: false, error: {message: err.message}});
        });
      }
      T.showChatError(err.message);
      button.disabled = false;
      button.textContent = label;
    }
  });

  // Profiles that failed in the comparison just run (carried over the navigation above): one card each, by name.
  var carried = sessionStorage.getItem("compare-errors");
  var grid = panel && panel.querySelector(".compare-grid");
  if (carried && grid) {
    sessionStorage.removeItem("compare-errors");
    JSON.parse(carried).forEach(function (failure) {
      var card = element("article", "compare-card is-failed");
      card.setAttribute("data-failed", "");
      card.appendChild(element("h4", "", failure.name));
      card.appendChild(element("p", "msg-flag", "⚠ No reply: " + failure.message));
      grid.appendChild(card);
    });
  }
})();
