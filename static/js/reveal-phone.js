// "显示号码": shows one masked phone number in full where it stands, as a tel: link. The
// server puts every reveal on record and limits how many a user may see; without this
// script the button posts the same form and a page shows the number.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-reveal-phone]")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        var number = form.querySelector(".phone-reveal__number");
        if (result.ok && result.data.phone) {
          var link = document.createElement("a");
          link.href = "tel:" + result.data.phone;
          link.textContent = result.data.phone;
          number.replaceWith(link);
          if (button) button.remove();
        } else {
          var note = document.createElement("small");
          note.className = "error";
          note.setAttribute("role", "alert");
          note.textContent = (result.data && result.data.error) || "";
          form.appendChild(note);
        }
      })
      .catch(function () {
        form.submit();  // the page without the script
      });
  });
})();
