// The product's few behaviours that need a script. They live in this file because the
// Content-Security-Policy runs nothing inline: no on…= attributes, no hx-on, no eval.

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

// A list's results come again when its filters change (a request of its form.filters). What the
// person set in them stays: the rows they ticked that are still listed (the page's box only if
// every row still is), and a disclosure they opened (data-keep-open). Rows no longer listed are
// let go: an action never reaches a row the person cannot see. An action's own answer (rows
// changed, deleted) starts afresh.
let keptInRegion = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  const asker = event.detail.requestConfig && event.detail.requestConfig.elt;
  keptInRegion = null;
  if (!target || !target.id || !asker || !asker.closest("form.filters")
      || !target.querySelector("input[data-bulk-row], details[data-keep-open]")) {
    return;
  }
  const page = target.querySelector("input[data-bulk-page]");
  keptInRegion = {
    id: target.id,
    ticked: new Set(Array.from(target.querySelectorAll("input[data-bulk-row]:checked"), (box) => box.value)),
    wholePage: Boolean(page && page.checked),
    opened: Array.from(target.querySelectorAll("details[data-keep-open][open]"), (details) => details.dataset.keepOpen),
  };
});
document.addEventListener("htmx:afterSwap", () => {
  const kept = keptInRegion;
  keptInRegion = null;
  const region = kept && document.getElementById(kept.id);
  if (!region) {
    return;
  }
  const rows = Array.from(region.querySelectorAll("input[data-bulk-row]"));
  rows.forEach((row) => { row.checked = row.checked || kept.ticked.has(row.value); });
  const page = region.querySelector("input[data-bulk-page]");
  if (page && kept.wholePage && rows.length > 0 && rows.every((row) => row.checked)) {
    page.checked = true;
    page.dispatchEvent(new Event("change", { bubbles: true }));  // its banner, as a tick would show it
  }
  kept.opened.forEach((name) => {
    region.querySelectorAll(`details[data-keep-open="${CSS.escape(name)}"]`).forEach((details) => { details.open = true; });
  });
});

// A smart list's filters in force (chips) and its "Add filter" picker come back with the results,
// out of band (data-filter-bar). The picker stays open if it was; the chip or field the person used
// is gone with the old bar, so focus goes to the picker's toggle (or the first chip's ×) instead of
// falling to the page. Typing in the search box beside them keeps its focus.
let filterBarState = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  const bar = document.querySelector("[data-filter-bar]");
  const active = document.activeElement;
  // Nothing focused (Safari does not focus a clicked control): the control the person used counts.
  const trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
  const used = (!active || active === document.body) && trigger && trigger.target instanceof Node ? trigger.target : active;
  filterBarState = bar && {
    open: Boolean(bar.querySelector("details[open]")),
    focused: bar.contains(used),
  };
});
document.addEventListener("htmx:afterSwap", () => {
  const state = filterBarState;
  filterBarState = null;
  const bar = document.querySelector("[data-filter-bar]");
  if (!state || !bar) {
    return;
  }
  const picker = bar.querySelector("details");
  if (picker && state.open) {
    picker.open = true;
  }
  const active = document.activeElement;
  if (state.focused && (!active || active === document.body || !active.isConnected)) {
    const next = bar.querySelector("details > summary") || bar.querySelector("a[href]");
    if (next) next.focus();
  }
});

// A search box inside another form (the bulk bar's "Find a person") searches as one types; Enter
// there must not submit the form around it.
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target.matches("input[data-search-only]")) {
    event.preventDefault();
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

// On a phone, Escape closes the open navigation menu, as it closes a menu, and focus goes back to
// its toggle. On a wide screen the menu is not folded: Escape leaves it alone.
document.addEventListener("keydown", (event) => {
  const menu = event.key === "Escape" && event.target instanceof Element && event.target.closest("details.nav-menu[open]");
  if (!menu || window.matchMedia("(min-width: 769px)").matches) {
    return;
  }
  menu.open = false;
  menu.querySelector("summary").focus();
});

// Focus after an htmx swap (the keyboard and screen reader user's place). Elements not focusable
// by nature are given tabindex -1 before they take it.
const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
const focusOn = (element) => {
  if (!element.matches(FOCUSABLE)) {
    element.setAttribute("tabindex", "-1");
  }
  element.focus();
};

// The element the answer marks data-focus-after-swap (a saved row or its message, a refused form's
// errors, a form's heading, an opened menu's first field) takes focus once it settles, and the
// mark is used once. It runs after htmx's own restoring of focus by id. A person using a form
// control outside the swapped content (typing in the search box, choosing a filter) keeps it:
// results that change under them never pull them away.
document.addEventListener("htmx:afterSettle", (event) => {
  const root = event.target;
  if (!(root instanceof Element) || !root.isConnected) {
    return;
  }
  const active = document.activeElement;
  if (active && active.isConnected && active.matches("input, select, textarea") && !root.contains(active)) {
    return;
  }
  const marked = root.matches("[data-focus-after-swap]") ? root : root.querySelector("[data-focus-after-swap]");
  if (!marked) {
    return;
  }
  marked.removeAttribute("data-focus-after-swap");
  focusOn(marked);
});

// A region opened in place (a form in a slot) gives focus back when it closes: a request from an
// element marked data-return-focus, once its answer settles with nothing marked
// data-focus-after-swap, focuses the link or button whose request last filled the same target.
const openers = new Map();
document.addEventListener("htmx:beforeRequest", (event) => {
  const asker = event.detail.elt;
  const target = event.detail.target;
  if (target && target.id && asker.matches("a, button") && !asker.hasAttribute("data-return-focus")) {
    openers.set(target.id, asker);
  }
});
document.addEventListener("htmx:afterSettle", (event) => {
  const asker = event.detail.requestConfig && event.detail.requestConfig.elt;
  const root = event.target;
  if (!asker || !asker.hasAttribute("data-return-focus") || !(root instanceof Element) || !root.id) {
    return;
  }
  // Something in the answer already took focus (its data-focus-after-swap mark, used above).
  if (root.contains(document.activeElement)) {
    return;
  }
  const opener = openers.get(root.id);
  if (opener && opener.isConnected) {
    opener.focus();
  }
});

// An answer with no mark that removed the focused element (the results after "Next", a row
// replaced by its new version) would leave the keyboard on <body>: focus moves into what came in,
// its first field in error (a form answered 422), else its first heading or message, else the
// swapped element itself. Focus that was elsewhere stays where it is (a progress bar polling).
let focusLost = false;
const USER_EVENTS = new Set(["click", "submit", "change", "keyup", "keydown", "input", "search"]);
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  const active = document.activeElement;
  const config = event.detail.requestConfig || {};
  const trigger = config.triggeringEvent;
  if (!target) {
    focusLost = false;
  } else if (active && active !== document.body) {
    focusLost = target.contains(active);
  } else {
    // Nothing focused (Safari does not focus a clicked button): the element the person used counts.
    focusLost = Boolean(config.elt && target.contains(config.elt) && trigger && USER_EVENTS.has(trigger.type));
  }
});
document.addEventListener("htmx:afterSettle", (event) => {
  const root = event.target;
  if (!focusLost) {
    return;
  }
  focusLost = false;
  const active = document.activeElement;
  if (active && active !== document.body && document.body.contains(active)) {
    return;  // a mark above, or htmx's restoring by id, already placed it
  }
  if (!(root instanceof Element) || !root.isConnected) {
    const main = document.getElementById("content");
    if (main) main.focus();
    return;
  }
  focusOn(root.querySelector("[aria-invalid=true]")
    || root.querySelector("h1, h2, h3, h4, h5, h6, [role=alert], [role=status], .message")
    || root);
});
