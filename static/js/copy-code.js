/* A Copy button on every code block ([data-copyable]: a reply's code, the Access tab's example calls).
   Without JavaScript the blocks are plain text to select; the buttons exist only where they work. */
(function () {
  "use strict";

  var announcer = document.createElement("p");
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "polite");
  document.body.appendChild(announcer);

  function codeOf(block) {
    return block.querySelector("pre code") || block.querySelector("pre") || block.querySelector("code");
  }

  function addButton(block) {
    if (block.querySelector("[data-copy-code]")) return;
    var head = block.querySelector(".code-head") || block;
    var what = block.getAttribute("data-copy-label") ||
      ((block.querySelector(".code-lang") || {}).textContent || "").trim() || "the code";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-small copy-code";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy " + what);
    button.setAttribute("data-copy-code", "");
    head.appendChild(button);
  }

  function addButtons(root) {
    if (root.matches && root.matches("[data-copyable]")) addButton(root);
    if (root.querySelectorAll) root.querySelectorAll("[data-copyable]").forEach(addButton);
  }

  // The clipboard API needs a secure context (https or localhost); elsewhere select the text for Ctrl+C.
  async function copy(button) {
    var block = button.closest("[data-copyable]");
    var code = codeOf(block);
    try {
      await navigator.clipboard.writeText(code.textContent);
      button.textContent = "Copied";
      announcer.textContent = "Copied to the clipboard.";
    } catch (err) {
      var range = document.createRange();
      range.selectNodeContents(code);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      button.textContent = "Selected: press Ctrl+C";
      announcer.textContent = "The code is selected: press Ctrl+C to copy it.";
    }
    setTimeout(function () { button.textContent = "Copy"; }, 2500);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy-code]");
    if (button) copy(button);
  });

  addButtons(document);
  // Replies that arrive later (a streamed reply rendered when it ends) get their buttons too.
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) { if (node.nodeType === 1) addButtons(node); });
    });
  }).observe(document.body, {childList: true, subtree: true});
})();
