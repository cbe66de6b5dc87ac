/* While a form is being answered: say so, and do not send it twice. No page needs this script
   to work; it only tells the user that something is happening. */
document.querySelectorAll("form[data-busy]").forEach(function (form) {
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; button.textContent = form.dataset.busy; }
    form.setAttribute("aria-busy", "true");
  });
});

/* Copy buttons: copy the named field's text; without the clipboard the text is selected so that
   the user can copy it. */
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  button.addEventListener("click", function () {
    var field = document.getElementById(button.dataset.copy);
    if (!field) { return; }
    field.select();
    var done = function () {
      var status = document.getElementById(button.dataset.copy + "-status");
      if (status) { status.textContent = button.dataset.done; }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {});
    } else {
      try { if (document.execCommand("copy")) { done(); } } catch (e) { /* selected: copy by hand */ }
    }
  });
});
document.querySelectorAll("input[readonly][data-select]").forEach(function (field) {
  field.addEventListener("focus", function () { field.select(); });
});

/* A sign-in link carries its token in the fragment (never sent to the server, so never logged):
   move it into the form and out of the address bar. */
document.querySelectorAll("input[data-from-fragment]").forEach(function (field) {
  var params = new URLSearchParams(window.location.hash.slice(1));
  var value = params.get(field.dataset.fromFragment);
  if (value) {
    field.value = value;
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
});
