/* Roles & Chat: the line under the chat's profile choices says which profile will answer and which choice decided
   it (the profile for this message, the session's, the role's own, or the active profile), kept up to date as the
   role or the profile for this message changes. The server writes it the same way (roles.answer_line). */
(function () {
  "use strict";
  const T = window.Triplo = window.Triplo || {};
  const form = document.getElementById("chat-form");
  const note = document.getElementById("session-profile-note");
  const source = document.getElementById("chat-data");
  if (!form || !note || !source) return;
  const data = JSON.parse(source.textContent);
  const WHY = {
    request: () => "the profile picked for this message",
    session_override: (role) => "this session's profile for " + role,
    role: (role) => role + "'s own profile",
    active: (role) => "the active profile (" + role + " names no profile of its own)",
  };
  const byId = (list, id) => (list || []).find((item) => item.id === id) || null;
  let current = byId(data.roles, form.elements.role_id.value);

  function draw() {
    if (!current) return;
    const label = current.label || current.name;
    const chosen = T.profileId ? T.profileId(form.elements.llm_profile_id) : form.elements.llm_profile_id.value;
    const picked = byId(data.profiles, chosen);
    const id = picked ? picked.id : current.effective;
    const rule = picked ? "request" : current.rule;
    if (current.control === "human") note.textContent = "You speak as " + label + ": no model answers.";
    else if (!id || !WHY[rule]) note.textContent = "No profile can answer: make a profile active under API & Models.";
    else note.textContent = (byId(data.profiles, id) || {name: id}).name + " will answer: " + WHY[rule](label) + ".";
  }

  /* The chat script hands over the role it shows (with its session profile just switched). */
  T.answerLine = (role) => { current = role || current; draw(); };
  form.elements.role_id.addEventListener("change", () => { current = byId(data.roles, form.elements.role_id.value); draw(); });
  ["change", "input"].forEach((name) => form.elements.llm_profile_id.addEventListener(name, draw));
})();
