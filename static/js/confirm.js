/* Delete with confirmation: a <dialog> instead of the confirmation page when JavaScript runs. */
(function () {
  "use strict";
  document.querySelectorAll("[data-confirm-dialog]").forEach((link) => {
    const dialog = document.getElementById(link.dataset.confirmDialog);
    if (!dialog || typeof dialog.showModal !== "function") return; // the link still opens the confirmation page
    link.addEventListener("click", (event) => {
      event.preventDefault();
      dialog.showModal();
      // A choice to make comes first; otherwise the safe way out (Cancel), never the destructive button.
      const first = dialog.querySelector("select") || dialog.querySelector("[data-dialog-cancel]");
      if (first) first.focus();
    });
    dialog.querySelectorAll("[data-dialog-cancel]").forEach((cancel) => {
      cancel.addEventListener("click", (event) => {
        event.preventDefault();
        dialog.close();
        link.focus();
      });
    });
  });
})();
