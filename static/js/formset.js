// "再加一位成员": clone the empty member form. Without JavaScript the page still offers one
// blank member row per save.
(function () {
  var button = document.getElementById("add-member");
  var template = document.getElementById("member-template");
  var list = document.getElementById("members");
  var total = document.getElementById("id_members-TOTAL_FORMS");
  var max = document.getElementById("id_members-MAX_NUM_FORMS");
  if (!button || !template || !list || !total) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    if (max && index >= parseInt(max.value, 10)) return;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    list.insertAdjacentHTML("beforeend", html);
    var legend = list.lastElementChild.querySelector("legend");
    if (legend) legend.textContent = legend.textContent.replace("+", String(index + 1));
    total.value = String(index + 1);
    var first = list.lastElementChild.querySelector("input[type=text]");
    if (first) first.focus();
  });
})();
