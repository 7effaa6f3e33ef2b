/* The counter: a live total and the balance after, as quantities are typed. The server
   recomputes everything on submit; without this script the page works the same. */
(function () {
  "use strict";
  var form = document.getElementById("counter-form");
  if (!form) return;
  var totalOut = document.getElementById("counter-total");
  var afterOut = document.getElementById("counter-after");
  var shortNote = document.getElementById("counter-short");
  var balanceEl = document.getElementById("counter-balance");
  var balance = parseInt(balanceEl ? balanceEl.getAttribute("data-balance") : "0", 10) || 0;
  var confirmBar = form.querySelector(".counter-confirm");

  function update() {
    var total = 0;
    form.querySelectorAll("input.counter-qty").forEach(function (input) {
      var quantity = parseInt(input.value, 10);
      if (!input.disabled && quantity > 0) {
        total += quantity * (parseInt(input.getAttribute("data-price"), 10) || 0);
      }
    });
    totalOut.value = total;
    afterOut.value = balance - total;
    var isShort = balance - total < 0;
    if (shortNote) shortNote.hidden = !isShort;
    if (confirmBar) confirmBar.classList.toggle("is-short", isShort);
  }

  form.addEventListener("input", update);
  form.addEventListener("submit", function () {
    // The hidden submission key already makes a second click harmless; this only stops
    // the clerk waiting on two requests.
    var button = form.querySelector("button[type=submit]");
    window.setTimeout(function () { if (button) button.disabled = true; }, 0);
  });
  update();
})();
