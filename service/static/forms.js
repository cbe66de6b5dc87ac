/* While a form is being answered: say so, and do not send it twice. No page needs this script
   to work; it only tells the user that something is happening. */
document.querySelectorAll("form[data-busy]").forEach(function (form) {
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; button.textContent = form.dataset.busy; }
    form.setAttribute("aria-busy", "true");
  });
});
