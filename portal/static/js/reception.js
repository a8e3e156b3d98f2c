// Reception form: show only the parts that apply to the chosen channel and category, and
// fill project and room from a customer picked in the live search. The form works without it.
(function () {
  function sync(form) {
    var channel = form.querySelector("[name=channel]");
    var category = form.querySelector("[name=category]");
    form.querySelectorAll("fieldset[data-channel]").forEach(function (fs) {
      var hasError = fs.querySelector(".error");
      fs.hidden = !hasError && channel && channel.value !== fs.dataset.channel;
    });
    form.querySelectorAll("fieldset[data-category]").forEach(function (fs) {
      var hasError = fs.querySelector(".error");
      fs.hidden = !hasError && category && category.value !== fs.dataset.category;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("contact-form");
    if (!form) { return; }
    sync(form);
    form.addEventListener("change", function (event) {
      var t = event.target;
      if (t.name === "channel" || t.name === "category") { sync(form); }
      if (t.name === "customer_id" && t.dataset.projectId !== undefined) {
        var project = form.querySelector("[name=project_id]");
        var room = form.querySelector("[name=room]");
        if (project && t.dataset.projectId && project.value === "0") { project.value = t.dataset.projectId; }
        if (room && t.dataset.room && !room.value) { room.value = t.dataset.room; }
      }
    });
  });
})();
