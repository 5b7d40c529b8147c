// Roles & Chat: `Compare` runs the same turn on 2-4 profiles through the JSON API (the typed message stays on
// an error, which shows next to the chat), then opens the page's side-by-side view of the stored replies.
// Without JS the button posts the chat form to /roles/compare and lands on the same view.
(function () {
  "use strict";

  var form = document.getElementById("chat-form");
  var button = document.getElementById("compare-run");
  var panel = document.getElementById("comparison");
  if (panel && location.hash === "#comparison") panel.scrollIntoView({block: "start"});
  if (!form || !button || !window.fetch) return;

  var errorBox = document.getElementById("chat-error");
  var announcer = document.getElementById("chat-announce");

  var showError = window.Triplo.showChatError;

  var profiles = JSON.parse((document.getElementById("chat-data") || {}).textContent || "{}").profiles || [];
  function profileName(id) {
    var found = profiles.filter(function (p) { return p.id === id; })[0];
    return found ? found.name : id;
  }

  function picked() {
    var ids = [];
    form.querySelectorAll('select[name="compare_profile_id"]').forEach(function (s) {
      if (s.value) ids.push(s.value);
    });
    return ids;
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
    try {
      var result = await window.Triplo.api("POST", button.getAttribute("data-api"),
                                           {character_id: roleId, llm_profile_ids: ids, message: message});
      var body = result.data || {};
      if (result.error) throw new Error(result.error);
      if (!result.ok) {
        var fields = body.fields ? " (" + Object.keys(body.fields).map(function (k) {
          return k + ": " + body.fields[k];
        }).join("; ") + ")" : "";
        throw new Error((body.message || ("The server answered " + result.status)) + fields);
      }
      var failed = (body.results || []).filter(function (r) { return !r.ok; });
      if (failed.length) {
        sessionStorage.setItem("compare-errors", JSON.stringify(failed.map(function (r) {
          return {name: profileName(r.llm_profile_id), message: window.Triplo.userText((r.error || {}).message || "It failed.")};
        })));
      }
      var url = new URL(location.href);
      url.searchParams.set("session", body.session_id);
      url.searchParams.set("role", roleId);
      url.searchParams.set("compare", body.position);
      url.hash = "comparison";
      location.assign(url.toString());
    } catch (err) {
      showError(err.message);
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
      var card = document.createElement("article");
      card.className = "compare-card is-failed";
      card.setAttribute("data-failed", "");
      var title = document.createElement("h4");
      title.textContent = failure.name;
      var text = document.createElement("p");
      text.className = "msg-flag";
      text.textContent = "⚠ No reply: " + failure.message;
      card.appendChild(title);
      card.appendChild(text);
      grid.appendChild(card);
    });
  }
})();
