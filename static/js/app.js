// The product's few behaviours that need a script. They live in this file because the
// Content-Security-Policy runs nothing inline: no on…= attributes, no hx-on, no eval.

// A <select data-submit-on-change> sends its form once a choice is made (the language picker);
// without JavaScript the form's own button does.
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-submit-on-change]")) {
    event.target.form.requestSubmit();
  }
});

// A request from an element marked data-swap-bad-request shows a 400 answer (a list's invalid
// filters, with their errors) in its target, as a success would be. htmx fires beforeSwap on the
// target, not on the element that asked, so it is caught here on the document.
document.addEventListener("htmx:beforeSwap", (event) => {
  const asker = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (event.detail.xhr.status === 400 && asker && asker.closest("[data-swap-bad-request]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// Bulk actions on a list: "select all on this page" ticks every row's box and offers the banner
// "Select all N contacts matching this filter"; unticking a row takes both back. Rows come and go
// with htmx swaps, so this listens on the document.
document.addEventListener("change", (event) => {
  const target = event.target;
  const bar = document.getElementById("bulk-form");
  if (!bar) {
    return;
  }
  const rows = document.querySelectorAll("input[data-bulk-row]");
  const page = document.querySelector("input[data-bulk-page]");
  const banner = bar.querySelector("[data-bulk-banner]");
  const all = bar.querySelector("input[data-bulk-all]");
  if (target.matches("input[data-bulk-page]")) {
    rows.forEach((row) => { row.checked = target.checked; });
  } else if (target.matches("input[data-bulk-row]") && !target.checked && page) {
    page.checked = false;
  } else if (!target.matches("input[data-bulk-all]")) {
    return;
  }
  const wholePage = page && page.checked && rows.length > 0;
  if (banner) {
    banner.hidden = !wholePage;
  }
  if (all && !wholePage) {
    all.checked = false;
  }
});
