// The SIPRec numbers. The public API asks about one number and deletes it; the
// management API renews it and lists those that expire within a year (the longest
// `within`), which is the list shown here: the platform writes the entries, mostly
// with a period, so nearly all of them are in it.

import { ApiError, call, managePath, segment } from "../api.js";
import { PERIODS } from "../fallback-form.js";
import { field, h, say, status, when } from "../dom.js";

const LIST_DAYS = 366;

export async function render(main, { domain }) {
  document.title = `SIPRec · ${domain} · Cache console`;
  const lookup = h("input", { id: "siprec-number", type: "text", autocomplete: "off", required: true });
  const answer = status();
  const period = h("select", { id: "siprec-period" },
    PERIODS.map(([value, text]) => h("option", { value, selected: value === "HALF-YEAR" }, `${value} (${text})`)));
  const notice = status();
  const table = h("div", { id: "siprec-list" });
  const publicPath = (n) => `/cache/${segment(domain)}/siprecfallback/${segment(n)}`;
  main.append(
    h("h1", {}, "SIPRec numbers ", h("small", {}, domain)),
    h("p", {}, "Calls to these numbers are recorded while the customer's system cannot be asked. The platform adds them; here you can check, renew and delete them."),
    h("form", { class: "row", onsubmit: async (event) => {
      event.preventDefault();
      try {
        const { data } = await call("GET", publicPath(lookup.value.trim()));
        say(answer, data.inCache ? `${lookup.value.trim()} is in the SIPRec cache.` : `${lookup.value.trim()} is not in the SIPRec cache.`);
      } catch (error) {
        say(answer, error.message, "error");
      }
    } }, field("Check a number", lookup), h("button", { type: "submit" }, "Check")),
    answer,
    h("h2", {}, `Numbers that expire within ${LIST_DAYS} days`),
    field("Renew for", period),
    notice, table);

  async function load() {
    let entries = [];
    try {
      ({ data: { data: entries } } = await call("GET", managePath(domain, "expiring"),
        { query: { within: LIST_DAYS, limit: 10000 } }));
    } catch (error) {
      say(notice, error.message, "error");
      return;
    }
    entries = entries.filter((entry) => entry.cache === "siprec");
    if (!entries.length) {
      table.replaceChildren(h("p", {}, "No SIPRec number."));
      return;
    }
    table.replaceChildren(h("div", { class: "scroll" }, h("table", {},
      h("caption", {}, `${entries.length} SIPRec numbers, soonest expiry first`),
      h("thead", {}, h("tr", {}, ["Number", "Expires", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, entries.map((entry) => h("tr", {},
        h("td", {}, entry.number), h("td", {}, when(entry.ttl)),
        h("td", { class: "row" },
          h("button", { type: "button", onclick: () => renew(entry.number) }, `Renew ${entry.number}`),
          h("button", { type: "button", class: "secondary", onclick: () => remove(entry.number) },
            `Delete ${entry.number}`))))))));
  }

  async function renew(n) {
    try {
      const { data } = await call("POST", managePath(domain, `siprecfallback/${segment(n)}/renew`),
        { body: { expiration: period.value } });
      say(notice, `${n} renewed: expires ${when(data.ttl)}.`);
      await load();
    } catch (error) {
      say(notice, `${n} not renewed: ${error.message}`, "error");
    }
  }

  async function remove(n) {
    if (!window.confirm(`Delete ${n} from the SIPRec cache? Its calls are then no longer recorded while the customer's system cannot be asked.`)) return;
    try {
      const { data } = await call("DELETE", publicPath(n));
      say(notice, data.deleted ? `${n} deleted.` : `${n} was not in the cache.`);
      await load();
    } catch (error) {
      say(notice, `${n} not deleted: ${error instanceof ApiError ? error.message : error}`, "error");
    }
  }

  await load();
  return {};
}
