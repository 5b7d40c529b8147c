// Roles & Chat: send a message with streaming (fetch + ReadableStream reading the SSE), show who answered.
// Without JS the same form posts to /roles/chat and the page reloads with the reply.
(function () {
  "use strict";

  var form = document.getElementById("chat-form");
  var log = document.getElementById("chat-log");
  if (!form || !log || !window.fetch || !window.ReadableStream) return;

  var data = JSON.parse(document.getElementById("chat-data").textContent);
  var errorBox = document.getElementById("chat-error");
  var announcer = document.getElementById("chat-announce");
  var button = document.getElementById("chat-send");
  var answeredUrl = form.getAttribute("data-answered");
  var stopButton = document.getElementById("chat-stop");
  var status = document.getElementById("chat-status");
  var box = form.elements.message;

  // Keep the newest message (or the error) in view: inside the log's own scroll box and in the window.
  function showNewest() {
    log.scrollTop = log.scrollHeight;
    var last = log.lastElementChild;
    if (last) last.scrollIntoView({block: "nearest"});
  }

  var showError = window.Triplo.showChatError;

  function showLanding() {
    if (!errorBox.hidden) {
      log.scrollTop = log.scrollHeight;
      errorBox.scrollIntoView({block: "nearest"});
    } else {
      showNewest();
    }
  }
  // A reload must land on the newest message too: the browser's own scroll restoration (after load) would
  // put the window back where it was, which the page's layout may no longer match.
  if ("scrollRestoration" in history) history.scrollRestoration = "manual";
  showLanding();
  window.addEventListener("load", showLanding);

  function byId(list, id) {
    for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i];
    return null;
  }

  function addMessage(kind, speaker, text) {
    var item = document.createElement("li");
    item.className = "msg " + kind;
    var who = document.createElement("p");
    who.className = "msg-speaker";
    who.textContent = speaker;
    var body = document.createElement("div");
    body.className = "msg-text";
    body.setAttribute("data-text", "");
    body.textContent = text;
    item.appendChild(who);
    item.appendChild(body);
    var previous = document.getElementById("newest");
    if (previous) previous.removeAttribute("id");
    item.id = "newest";
    log.appendChild(item);
    showNewest();
    return item;
  }

  var usd = window.Triplo.usd;

  /* The session total under the log grows by each reply's cost (one more provider call). */
  function addSessionCost(cost) {
    var box = document.querySelector("[data-session-cost]");
    if (!box) return;
    var total = (parseFloat(box.getAttribute("data-session-cost")) || 0) + (cost || 0);
    box.setAttribute("data-session-cost", String(total));
    box.querySelector("[data-session-cost-value]").textContent = usd(total);
    var calls = box.querySelector("[data-session-calls]");
    var count = (parseInt(calls.textContent, 10) || 0) + 1;
    calls.textContent = String(count);
    var word = box.querySelector("[data-session-calls-word]");
    if (word) word.textContent = count === 1 ? "provider call" : "provider calls";
  }

  /* Who answered, as the server writes it (templates/_answered.html): one renderer for the page and the stream. */
  async function showMeta(item, reply) {
    var meta = reply.metadata || {};
    addSessionCost(meta.cost_usd);
    item.setAttribute("data-message-id", reply.message_id);
    item.setAttribute("data-role-id", reply.role_id);
    addRedraw(item, reply.role_id);
    var url = answeredUrl + "?session=" + encodeURIComponent(reply.session_id) + "&message=" + encodeURIComponent(reply.message_id);
    var fragment = await window.Triplo.html(url);
    if (!fragment) return;
    var holder = document.createElement("div");
    holder.innerHTML = fragment;  // our own server's rendering of stored metadata (escaped by Jinja)
    var answered = holder.querySelector("[data-answered]");
    var text = item.querySelector("[data-text]");
    var rendered = holder.querySelector("[data-rendered]");  // the reply as Markdown, rendered and sanitised by the server
    if (rendered) { text.replaceChildren.apply(text, Array.from(rendered.childNodes)); text.classList.add("md"); }
    while (answered && answered.lastChild) text.after(answered.lastChild);  // right under the reply's text
    if (item.querySelector("[data-flag]")) item.classList.add("msg-flagged");
    if (errorBox.hidden) showNewest();
  }

  function addRedraw(item, roleId) {
    // Only a character's latest reply can be regenerated: move its form to the new message.
    document.querySelectorAll('form[data-redraw-for="' + CSS.escape(roleId) + '"]').forEach(function (old) {
      old.remove();
    });
    var template = document.getElementById("redraw-template");
    var html = template.innerHTML.split("__ROLE__").join(roleId);
    var holder = document.createElement("div");
    holder.innerHTML = html;
    while (holder.firstChild) item.appendChild(holder.firstChild);
  }

  function fail(item, message) {
    item.classList.add("msg-error");
    item.querySelector("[data-text]").textContent = message;
  }

  // A failure on a long conversation is often a full context window: say so (the same rule as the server's).
  var CONTEXT_WORDS = /context|too long|too many tokens|maximum.*tokens|token limit|n_ctx|exceed/i;
  var LONG_HISTORY = 24000;  // characters: ~6,000 tokens, past many small local models' context

  function withContextHint(message) {
    var total = 0;
    log.querySelectorAll("[data-text]").forEach(function (t) { total += t.textContent.length; });
    if (!CONTEXT_WORDS.test(message) && total < LONG_HISTORY) return message;
    return message + " The conversation may no longer fit the model's context window: start a new session, " +
      "or pick a profile whose model takes a longer context.";
  }

  // The elapsed-time status while a reply is on its way (not a live region: the finished reply is announced).
  var ticker = null;
  function startStatus(roleName) {
    var started = Date.now(), received = false;
    function draw() {
      var seconds = Math.floor((Date.now() - started) / 1000);
      status.textContent = (received ? roleName + " is answering… " : "Waiting for the model… ") + seconds + " s";
    }
    status.hidden = false;
    draw();
    ticker = setInterval(draw, 1000);
    return function () { received = true; draw(); };
  }
  function endStatus() {
    clearInterval(ticker);
    status.hidden = true;
    status.textContent = "";
  }

  // A human-controlled role: the line is posted as that character; no model is called.
  async function speak(role, message) {
    if (!message) { showError("Type the line " + role.name + " says: a human-controlled role never calls a model."); return; }
    var item = addMessage("msg-user msg-spoken", role.name, message);
    var result = await window.Triplo.api("POST", form.getAttribute("data-api"), {role_id: role.id, message: message});
    if (!result.ok) {
      item.remove();
      showError(window.Triplo.messageOf(result));
      return;
    }
    item.setAttribute("data-message-id", result.data.message_id);
    item.setAttribute("data-role-id", role.id);
    box.value = "";
    announcer.textContent = role.name + " said: " + message;
  }

  async function send(event) {
    event.preventDefault();
    var message = form.elements.message.value.trim() ? form.elements.message.value : null;  // none: the role's own turn
    var roleId = form.elements.role_id.value;
    var role = byId(data.roles, roleId) || {name: roleId};
    role = Object.assign({}, role, {name: role.label || role.name});  // two roles of one name: "Name (id)"
    errorBox.hidden = true;
    announcer.textContent = "";
    if (role.control === "human") {
      button.disabled = true;
      try { await speak(role, message); } finally { button.disabled = false; box.focus(); }
      return;
    }
    button.disabled = true;
    var panel = document.getElementById("comparison");  // the side-by-side view belongs to the turn before
    if (panel) panel.remove();
    if (message) addMessage("msg-user", "You", message);
    var item = addMessage("msg-ai msg-streaming", role.name, "");
    var text = item.querySelector("[data-text]");
    var arrived = startStatus(role.name);
    var controller = new AbortController();
    stopButton.hidden = false;
    stopButton.disabled = false;
    stopButton.onclick = async function () {
      stopButton.disabled = true;
      status.textContent = "Stopping…";
      var result = await window.Triplo.api("POST", form.getAttribute("data-stop"));
      if (!result.ok || !result.data.stopped) controller.abort();  // nothing running server-side: just stop reading
    };
    try {
      var sent = await window.Triplo.stream(form.getAttribute("data-api"), {
        role_id: roleId, message: message, stream: true, llm_profile_id: window.Triplo.profileId(form.elements.llm_profile_id) || null},
        controller.signal);
      if (!sent.response) throw new Error(sent.error);
      var response = sent.response;
      if (!response.ok || !(response.headers.get("Content-Type") || "").startsWith("text/event-stream")) {
        var problem = await response.json().catch(function () { return {}; });
        throw new Error(problem.message || ("The server answered " + response.status));
      }
      form.elements.message.value = "";
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "", finished = false;
      while (!finished) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buffer = window.Triplo.drainEvents(buffer + decoder.decode(chunk.value, {stream: true}), function (name, payload) {
          if (name === "done") {
            text.textContent = payload.content;
            showMeta(item, payload);
            announcer.textContent = role.name + " replied: " + (payload.content || "(empty reply)");
            finished = true;
          } else if (name === "error") {
            throw new Error(payload.message || "The reply failed.");
          } else {
            var follow = log.scrollHeight - log.scrollTop - log.clientHeight < 48;  // do not yank a reader back
            if (payload.delta) arrived();
            text.textContent += payload.delta;
            if (follow) showNewest();
          }
        });
      }
      if (!finished) throw new Error("The connection closed before the reply finished.");
    } catch (err) {
      if (err.name === "AbortError" || controller.signal.aborted) {
        item.classList.add("msg-flagged");
        item.insertAdjacentHTML("beforeend", '<p class="msg-flag" data-flag="stopped">⏹ Stopped: the reply ends where Stop was pressed.</p>');
      } else {
        var shown = withContextHint(err.message);
        fail(item, shown);
        showError(shown);
      }
    } finally {
      item.classList.remove("msg-streaming");
      endStatus();
      stopButton.hidden = true;
      button.disabled = false;
      if (errorBox.hidden) showNewest();
      box.focus();  // keyboard users keep typing where they were
    }
  }

  form.addEventListener("submit", send);

  document.getElementById("chat-keys").hidden = false;
  // Enter sends, Shift+Enter (or an input method composing) adds a line.
  box.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    if (!button.disabled) form.requestSubmit(button);
  });

  // The role's profile for this session (the session override), switched without leaving the chat.
  var roleSelect = form.elements.role_id;
  var sessionProfile = document.getElementById("session-profile");
  var note = document.getElementById("session-profile-note");  // answer-line.js writes it
  var apply = document.getElementById("session-profile-apply");
  var overridesUrl = form.getAttribute("data-overrides");

  function syncSwitcher() {
    var role = byId(data.roles, roleSelect.value) || {};
    window.Triplo.setProfile(sessionProfile, role.override);
    window.Triplo.answerLine(role);  // answer-line.js: "X will answer: …"
  }

  roleSelect.addEventListener("change", syncSwitcher);
  apply.addEventListener("click", async function (event) {
    event.preventDefault();
    var roleId = roleSelect.value, profileId = window.Triplo.profileId(sessionProfile);
    var url = overridesUrl.replace("__ROLE__", encodeURIComponent(roleId));
    errorBox.hidden = true;
    try {
      var result = await window.Triplo.api(profileId ? "PUT" : "DELETE", url, profileId ? {profile_id: profileId} : undefined);
      var body = result.data || {};
      if (!result.ok) throw new Error(result.error || body.message || ("The server answered " + result.status));
      (body.roles || []).forEach(function (r) {
        var role = byId(data.roles, r.character_id);
        if (role) { role.override = r.override_profile_id; role.effective = r.effective_profile_id; role.rule = r.source; }
      });
      syncSwitcher();
      announcer.textContent = note.textContent;
    } catch (err) {
      showError(err.message);
    }
  });
})();
