// The portal's own script (loaded from a file: the Content-Security-Policy allows no inline script).
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx requests carry the CSRF token in a header, as forms carry it in a hidden field.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // <form data-confirm="Really?"> asks before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  // <button data-copy="#element-id"> copies that element's text (a new API token).
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) { return; }
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = button.getAttribute("data-copied") || "Copied";
      });
    }
  });

  // The pledge form shows only the earmark targets its level takes; without JavaScript all of them show.
  function showEarmarkTargets(select) {
    var level = select.value;
    document.querySelectorAll("[data-earmark-for]").forEach(function (group) {
      group.hidden = group.getAttribute("data-earmark-for") !== level;
    });
  }
  document.querySelectorAll("select[data-earmark-level]").forEach(function (select) {
    showEarmarkTargets(select);
    select.addEventListener("change", function () { showEarmarkTargets(select); });
  });

  // A payment is in its pledge's currency: choosing the pledge chooses the currency.
  var pledgeSelect = document.querySelector("[data-testid=payment-form] #pledge_id");
  var currencySelect = document.querySelector("[data-testid=payment-form] #currency");
  if (pledgeSelect && currencySelect) {
    pledgeSelect.addEventListener("change", function () {
      var option = pledgeSelect.options[pledgeSelect.selectedIndex];
      var currency = option ? option.getAttribute("data-currency") : null;
      if (currency) { currencySelect.value = currency; }
    });
  }
})();
