// Participant picker: search as you type, add people or whole groups in place, keep count.
// Without JavaScript the same buttons post the form back and the server does the same.
(function () {
  var picker = document.querySelector(".picker");
  if (!picker) return;
  var form = picker.closest("form");
  var input = document.getElementById("people-q");
  var results = document.getElementById("people-results");
  var rows = document.getElementById("participant-rows");
  var count = document.getElementById("participant-count");
  var emptyNote = document.querySelector(".empty-rows");
  var groupSelect = document.getElementById("people-group");
  var groupAdults = document.getElementById("group-adults");
  var groupUnticked = document.getElementById("group-unticked");
  var listed = document.getElementById("participant-listed");
  var timer = null;
  var latest = 0;
  // The query whose results are on screen, and the search under way (its query and the
  // promise that settles when its results are shown).
  var shownQuery = input.value.trim();
  var pending = null;

  function updateCount() {
    var ticked = rows.querySelectorAll("input[data-present]:checked").length;
    count.textContent = String(ticked);
    if (listed) listed.textContent = String(rows.children.length);
    if (emptyNote) emptyNote.hidden = rows.children.length > 0;
  }

  function hasRow(id) {
    return rows.querySelector('tr[data-member-id="' + id + '"]');
  }

  function flash(row) {
    row.classList.remove("participant--flash");
    void row.offsetWidth;
    row.classList.add("participant--flash");
  }

  function addRowsFrom(html) {
    var holder = document.createElement("tbody");
    holder.innerHTML = html.trim();
    var added = 0;
    Array.prototype.slice.call(holder.children).forEach(function (row) {
      var existing = hasRow(row.dataset.memberId);
      if (existing) { flash(existing); return; }
      rows.appendChild(row);
      flash(row);
      added += 1;
    });
    updateCount();
    return added;
  }

  function showResults(html) {
    results.innerHTML = html;
    results.querySelectorAll("[data-add-member]").forEach(function (button) { button.hidden = false; });
    results.querySelectorAll("[data-no-js]").forEach(function (el) { el.hidden = true; });
    results.querySelectorAll('input[name="add"]').forEach(function (box) { box.hidden = true; });
  }

  // Searches for what is typed; resolves once those results are on screen (a search
  // already under way for the same text is reused, not sent again).
  function search() {
    var q = input.value.trim();
    if (pending && pending.q === q) return pending.promise;
    var ticket = ++latest;
    if (!q) { results.innerHTML = ""; shownQuery = ""; pending = null; return Promise.resolve(); }
    var promise = fetch(picker.dataset.searchUrl + "?q=" + encodeURIComponent(q), { headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        if (ticket !== latest) return;
        showResults(html);
        shownQuery = q;
        pending = null;
      });
    pending = { q: q, promise: promise };
    return promise;
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });

  // Enter on a name adds that person when the search finds exactly one, even if the
  // results are still on their way (a name called out loud, typed fast, Enter at once).
  function addTheOnlyMatch() {
    clearTimeout(timer);
    var q = input.value.trim();
    var ready = q === shownQuery && !pending ? Promise.resolve() : search();
    ready.then(function () {
      if (input.value.trim() !== q || shownQuery !== q) return; // typed on meanwhile
      var only = results.querySelectorAll("[data-add-member]");
      if (only.length === 1 && only[0].textContent !== "✓") only[0].click();
    });
  }

  // Enter in the search box searches (and adds a single match); Enter elsewhere never saves
  // by accident.
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.tagName === "TEXTAREA") return;
    if (event.target.matches("button")) return;
    event.preventDefault();
    if (event.target === input) addTheOnlyMatch();
  });

  results.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-member]");
    if (!button) return;
    var template = results.querySelector('template[data-row-for="' + button.dataset.addMember + '"]');
    if (template) addRowsFrom(template.innerHTML);
    button.textContent = "✓";
    input.select();
  });

  picker.querySelector("[data-add-group]").addEventListener("click", function (event) {
    event.preventDefault();
    if (!groupSelect.value) { groupSelect.focus(); return; }
    var url = picker.dataset.groupUrl + "?group=" + encodeURIComponent(groupSelect.value);
    if (groupAdults && groupAdults.checked) url += "&adults=1";
    if (groupUnticked && groupUnticked.checked) url += "&unticked=1";
    fetch(url, { headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.text(); })
      .then(function (html) { addRowsFrom(html); });
  });

  // Tick or untick the whole list at once.
  form.querySelectorAll("[data-tick-all]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var present = button.dataset.tickAll === "1";
      rows.querySelectorAll("input[data-present]").forEach(function (box) {
        box.checked = present;
        box.closest("tr").classList.toggle("participant--absent", !present);
      });
      updateCount();
    });
  });

  rows.addEventListener("change", function (event) {
    if (!event.target.matches("input[data-present]")) return;
    event.target.closest("tr").classList.toggle("participant--absent", !event.target.checked);
    updateCount();
  });

  // One save per form: a double click sends one request (the server also refuses twins).
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.matches("[data-save]")) {
      if (form.dataset.saving) { event.preventDefault(); return; }
      form.dataset.saving = "1";
      setTimeout(function () { submitter.disabled = true; }, 0);
    }
  });

  showResults(results.innerHTML);
  updateCount();
})();
