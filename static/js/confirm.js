/* Delete with confirmation: a <dialog> instead of the confirmation page when JavaScript runs. */
(function () {
  "use strict";
  document.querySelectorAll("[data-confirm-dialog]").forEach((link) => {
    const dialog = document.getElementById(link.dataset.confirmDialog);
    if (!dialog || typeof dialog.showModal !== "function") return; // the link still opens the confirmation page
    link.addEventListener("click", (event) => {
      event.preventDefault();
      dialog.showModal();
      const first = dialog.querySelector("select, button");
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
