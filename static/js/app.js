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

// After an htmx swap, focus goes where the answer says: the element of the swapped content it marks
// data-focus-after-swap (a saved row's message, a refused form's errors, a menu's first field), never
// the page body when the focused control was swapped away. The mark is used once. This runs after
// htmx's own focus restoration (to an element with the id of the one that had focus): the mark wins.
document.addEventListener("htmx:afterSettle", (event) => {
  const settled = event.target;
  const mark = "[data-focus-after-swap]";
  const target = settled.matches && settled.matches(mark) ? settled : settled.querySelector && settled.querySelector(mark);
  if (!target) {
    return;
  }
  target.removeAttribute("data-focus-after-swap");
  if (!target.matches("a[href], button, input, select, textarea, summary, [tabindex]")) {
    target.setAttribute("tabindex", "-1");
  }
  target.focus();
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

// The navigation folds into a <details> menu on a phone; from 769 px wide css/app.css shows its
// content even while closed (::details-content). A browser that cannot style that gets the menu
// opened on wide screens instead.
if (!CSS.supports("selector(::details-content)")) {
  const wide = window.matchMedia("(min-width: 769px)");
  const follow = () => {
    document.querySelectorAll("details.nav-menu").forEach((menu) => { menu.open = wide.matches; });
  };
  wide.addEventListener("change", follow);
  follow();
}
