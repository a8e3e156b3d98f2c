// The portal's only hand-written script (no inline scripts: the CSP forbids them).
// Buttons with data-confirm ask before their form is sent.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
}, true);
// A submit button with data-native-submit (a download: the archive export) sends its form the
// browser's way to its formaction; stopped here, the submit never reaches htmx on the form.
document.addEventListener("submit", function (event) {
  if (event.submitter && event.submitter.hasAttribute("data-native-submit")) {
    event.stopPropagation();
  }
}, true);
// An expired session answers htmx with 401 + HX-Redirect; htmx follows that itself.
document.addEventListener("htmx:responseError", function (event) {
  var status = event.detail.xhr.status;
  if (status === 403 || status === 400 || status === 413) {
    var target = event.detail.target;
    if (target) { target.innerHTML = event.detail.xhr.responseText; }
  }
});
