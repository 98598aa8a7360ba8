// Office console: the export job's progress bar (no inline scripts: the CSP forbids them).
"use strict";
(function () {
  var box = document.getElementById("job");
  if (!box) return;
  var bar = document.getElementById("job-bar");
  var status = document.getElementById("job-status");
  var link = document.getElementById("job-file");
  var percent = document.getElementById("job-percent");
  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        bar.value = job.progress;
        bar.textContent = job.progress + "%";
        if (percent) percent.textContent = job.progress + "%";
        if (job.status === "done") {
          status.textContent = "Đã xong.";
          link.hidden = false;
        } else if (job.status === "failed") {
          status.textContent = "Không lập được: " + job.error;
        } else {
          setTimeout(poll, 1000);
        }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (link.hidden) poll();
})();

// Xuất: show the "other period" and "from/to" fields only when that period choice is made.
(function () {
  var choice = document.getElementById("ky");
  if (!choice) return;
  var fields = document.querySelectorAll("[data-for-ky]");
  function sync() {
    fields.forEach(function (field) { field.hidden = field.dataset.forKy !== choice.value; });
  }
  choice.addEventListener("change", sync);
  sync();
})();
