// Small page behaviours, wired by data attributes instead of inline on*= handlers, which
// the Content-Security-Policy forbids (config/security.py):
//   data-print                 a button that prints the page
//   data-autosubmit            a <select> that submits its form when changed
//   data-confirm="…"           a form that asks before submitting
//   data-confirm-unless="box"  … unless its checkbox named "box" is ticked
//   data-no-enter-submit       a form where Enter on a checkbox does not submit
// Every page still works without JavaScript (a <noscript> button, or no confirmation).
(function () {
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.dataset ? form.dataset.confirm : null;
    if (!question) return;
    var unless = form.dataset.confirmUnless;
    if (unless && form.elements[unless] && form.elements[unless].checked) return;
    if (!window.confirm(question)) event.preventDefault();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.type !== "checkbox") return;
    if (event.target.closest("form[data-no-enter-submit]")) event.preventDefault();
  });
})();
