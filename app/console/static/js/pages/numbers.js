// The domain's IVR numbers, a page at a time: the management API's paged list
// (GET /manage/{domain}/ivrfallback?limit=&after=&contains=), searched by the service.
// A page is one small call however many numbers the domain has; the public list
// (every number at once) is not read here.

import { ApiError, call, managePath } from "../api.js";
import { day, field, h, say, setError, status } from "../dom.js";

const PAGE_SIZE = 50;
// Wait this long after the last keystroke before asking the service.
const SEARCH_DELAY_MS = 250;

export async function render(main, { domain, href }) {
  document.title = `Numbers · ${domain} · Cache console`;
  const notice = status();
  const search = h("input", { id: "search", type: "search", autocomplete: "off", spellcheck: "false" });
  const list = h("div", { id: "numbers" });
  // The `after` of each page shown so far, the first's null: "Previous" goes back one.
  let starts = [null];
  // Each load is numbered, so that an answer arriving after a newer one is dropped.
  let loads = 0;
  let timer = null;
  // Where the page after this one starts (its `next`), null on the last.
  let next = null;

  // Made once and updated, so that a button keeps the focus from page to page.
  const previousButton = h("button", { type: "button", class: "secondary", disabled: true,
    onclick: () => load(starts.slice(0, -1)) }, "Previous page");
  const nextButton = h("button", { type: "button", class: "secondary", disabled: true,
    onclick: () => load([...starts, next]) }, "Next page");
  const pageNumber = h("span", {}, "Page 1");
  const pager = h("nav", { "aria-label": "Pages of numbers", class: "row" },
    previousButton, pageNumber, nextButton);
  const count = h("p", { id: "number-count", role: "status" });
  const open = h("input", { id: "open-number", type: "text", autocomplete: "off", required: true });
  main.append(
    h("h1", {}, "IVR fallback numbers ", h("small", {}, domain)),
    h("form", { class: "row", onsubmit: (event) => {
      event.preventDefault();
      if (open.value.trim()) location.hash = href(domain, "numbers", open.value.trim());
    } }, field("Open or create a number", open, "e.g. +46701234567"), h("button", { type: "submit" }, "Open")),
    // Not role="search": Pico draws that role as an inline group.
    h("form", { onsubmit: (event) => { event.preventDefault(); restart(); } },
      field("Search numbers", search, "Any part of a number, as written (A and a differ)")),
    count, list, pager, notice);

  /** Show the page that starts after the last of `wanted` (the pages' starts then). */
  async function load(wanted) {
    const asked = ++loads;
    const term = search.value.trim();
    const after = wanted[wanted.length - 1];
    const query = { limit: PAGE_SIZE };
    if (after !== null) query.after = after;
    if (term) query.contains = term;
    let page;
    try {
      ({ data: page } = await call("GET", managePath(domain, "ivrfallback"), { query }));
    } catch (error) {
      if (asked !== loads) return;
      const named = error instanceof ApiError ? error.fieldErrors.find((e) => e.field === "contains") : null;
      if (named) setError(search, `${named.field}: ${named.message}`);
      say(notice, error.message, "error");
      return;
    }
    if (asked !== loads) return;
    starts = wanted;
    setError(search, null);
    notice.textContent = "";
    show(page, term);
  }

  function show(page, term) {
    const first = (starts.length - 1) * PAGE_SIZE + 1;
    const last = first + page.data.length - 1;
    const holding = term ? ` holding “${term}”` : "";
    if (!page.data.length) {
      count.textContent = term ? `No number holds “${term}”.` : "No numbers yet.";
    } else {
      count.textContent = `Numbers ${first}–${last}${holding}${page.next ? ", more follow." : "."}`;
    }
    list.replaceChildren(page.data.length ? h("div", { class: "scroll" }, h("table", { class: "numbers" },
      h("caption", { class: "visually-hidden" }, `The numbers ${first} to ${last}${holding}`),
      h("thead", {}, h("tr", {}, ["Number", "Mode", "Expires"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, page.data.map((entry) => h("tr", {},
        h("th", { scope: "row" }, h("a", { href: href(domain, "numbers", entry.number) }, entry.number)),
        h("td", {}, entry.mode), h("td", {}, day(entry.ttl))))))) : null);
    next = page.next;
    // A button that is disabled while it has the focus would drop it: hand it over first.
    if (!next && document.activeElement === nextButton && starts.length > 1) previousButton.focus();
    if (starts.length === 1 && document.activeElement === previousButton && next) nextButton.focus();
    previousButton.disabled = starts.length === 1;
    nextButton.disabled = !next;
    pageNumber.textContent = `Page ${starts.length}`;
  }

  function restart() {
    clearTimeout(timer);
    return load([null]);
  }

  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(restart, SEARCH_DELAY_MS);
  });
  await load(starts);
  // For benchmarks/console_numbers.py: when the first page of numbers is on screen.
  performance.mark("numbers-shown");
  return {};
}
