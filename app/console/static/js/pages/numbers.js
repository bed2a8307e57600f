// The domain's IVR numbers: the public list (GET /cache/{domain}/ivrfallback), searched
// and paged here. The list operation has no paging of its own: it answers every
// number at once (about 1.5 MB for 100,000), and this page shows PAGE_SIZE of them.

import { call, ivrPath } from "../api.js";
import { field, h, say, status } from "../dom.js";

const PAGE_SIZE = 50;

export async function render(main, { domain, href }) {
  document.title = `Numbers · ${domain} · Cache console`;
  const notice = status("Loading the numbers…");
  const search = h("input", { id: "search", type: "search", autocomplete: "off" });
  const list = h("ul", { class: "numbers" });
  const pager = h("nav", { "aria-label": "Pages of numbers", class: "row" });
  const count = h("p", { id: "number-count", role: "status" });
  const open = h("input", { id: "open-number", type: "text", autocomplete: "off", required: true });
  main.append(
    h("h1", {}, "IVR fallback numbers ", h("small", {}, domain)),
    h("form", { class: "row", onsubmit: (event) => {
      event.preventDefault();
      if (open.value.trim()) location.hash = href(domain, "numbers", open.value.trim());
    } }, field("Open or create a number", open, "e.g. +46701234567"), h("button", { type: "submit" }, "Open")),
    field("Search numbers", search, "Any part of a number"),
    count, list, pager, notice);

  let all = [];
  try {
    ({ data: { data: all } } = await call("GET", ivrPath(domain)));
    notice.remove();
  } catch (error) {
    say(notice, error.message, "error");
    return {};
  }
  let page = 0;
  const show = () => {
    const term = search.value.trim();
    const found = term ? all.filter((n) => n.includes(term)) : all;
    const pages = Math.max(1, Math.ceil(found.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    const shown = found.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    count.textContent = term
      ? `${found.length} of ${all.length} numbers match “${term}”.`
      : `${all.length} numbers.`;
    list.replaceChildren(...shown.map((n) => h("li", {}, h("a", { href: href(domain, "numbers", n) }, n))));
    pager.replaceChildren(
      h("button", { type: "button", class: "secondary", disabled: page === 0,
        onclick: () => { page -= 1; show(); } }, "Previous page"),
      h("span", {}, `Page ${page + 1} of ${pages}`),
      h("button", { type: "button", class: "secondary", disabled: page >= pages - 1,
        onclick: () => { page += 1; show(); } }, "Next page"));
  };
  search.addEventListener("input", () => { page = 0; show(); });
  show();
  // For benchmarks/console_numbers.py: when the first page of numbers is on screen.
  performance.mark("numbers-shown");
  return {};
}
