// Entries of both caches that expire soon (GET /manage/{domain}/expiring), each renewable.

import { call, managePath, segment } from "../api.js";
import { PERIODS } from "../fallback-form.js";
import { field, h, say, status, when } from "../dom.js";

export async function render(main, { domain, href }) {
  document.title = `Expiring soon · ${domain} · Cache console`;
  const within = h("input", { id: "within", type: "number", min: 1, max: 366, value: "30", inputmode: "numeric" });
  const period = h("select", { id: "renew-period" },
    PERIODS.map(([value, text]) => h("option", { value, selected: value === "HALF-YEAR" }, `${value} (${text})`)));
  const notice = status();
  const table = h("div", { id: "expiring" });
  main.append(
    h("h1", {}, "Expiring soon ", h("small", {}, domain)),
    h("form", { class: "row", onsubmit: (event) => { event.preventDefault(); load(); } },
      field("Within how many days", within, "1 to 366"), h("button", { type: "submit" }, "Show")),
    field("Renew for", period),
    notice, table);

  async function load() {
    let entries = [];
    try {
      ({ data: { data: entries } } = await call("GET", managePath(domain, "expiring"),
        { query: { within: within.value } }));
    } catch (error) {
      const named = error.fieldErrors?.find((e) => e.field === "within");
      say(notice, named ? `within: ${named.message}` : error.message, "error");
      return;
    }
    if (!entries.length) {
      table.replaceChildren(h("p", {}, `Nothing expires within ${within.value} days.`));
      return;
    }
    table.replaceChildren(h("div", { class: "scroll" }, h("table", {},
      h("caption", {}, `${entries.length} entries expire within ${within.value} days, soonest first`),
      h("thead", {}, h("tr", {}, ["Cache", "Number", "Expires", ""].map((t) => h("th", { scope: "col" }, t || h("span", { class: "visually-hidden" }, "Action"))))),
      h("tbody", {}, entries.map((entry) => h("tr", {},
        h("td", {}, entry.cache === "ivr" ? "IVR" : "SIPRec"),
        h("td", {}, entry.cache === "ivr" ? h("a", { href: href(domain, "numbers", entry.number) }, entry.number) : entry.number),
        h("td", {}, when(entry.ttl)),
        h("td", {}, h("button", { type: "button", onclick: () => renew(entry) },
          `Renew ${entry.cache === "ivr" ? "IVR" : "SIPRec"} ${entry.number}`))))))));
  }

  async function renew(entry) {
    const cache = entry.cache === "ivr" ? "ivrfallback" : "siprecfallback";
    try {
      const { data } = await call("POST", managePath(domain, `${cache}/${segment(entry.number)}/renew`),
        { body: { expiration: period.value } });
      say(notice, `${entry.number} renewed: expires ${when(data.ttl)}.`);
      await load();
    } catch (error) {
      say(notice, `${entry.number} not renewed: ${error.message}`, "error");
    }
  }

  await load();
  return {};
}
