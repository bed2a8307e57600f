// The domain's use over time (GET /manage/{domain}/usage): how often its fallbacks were
// applied per hour or day, after which outcomes, and the numbers used most: "which of my
// lines fell back during last night's outage".

import { call, managePath } from "../api.js";
import { drawUsage, rangeField, rangeQuery, rangeWords } from "../chart.js";
import { h, say, status } from "../dom.js";

export async function render(main, { domain, href }) {
  document.title = `Use over time · ${domain} · Cache console`;
  const notice = status();
  const summary = h("p", { id: "domain-usage-summary" });
  const chart = h("div", { id: "domain-usage-chart" });
  const top = h("div", { id: "top-numbers" });
  const range = rangeField("domain-usage-range", () => load());
  main.append(
    h("h1", {}, "Use over time ", h("small", {}, domain)),
    h("p", {}, "How often the platform applied this domain's fallbacks, deleted ones included."),
    h("div", { class: "row" }, range.element,
      h("button", { type: "button", class: "secondary", onclick: () => load() }, "Refresh")),
    notice, summary, chart,
    h("section", { "aria-labelledby": "top-title" }, h("h2", { id: "top-title" }, "Numbers used most"), top));

  async function load() {
    const asked = rangeQuery(range.select.value);
    let answer;
    try {
      ({ data: answer } = await call("GET", managePath(domain, "usage"), { query: asked }));
    } catch (error) {
      say(notice, error.message, "error");
      return;
    }
    notice.textContent = "";
    const total = answer.series.reduce((sum, item) => sum + item.count, 0);
    const words = rangeWords(range.select.value);
    summary.textContent = total
      ? `Applied ${total} time${total === 1 ? "" : "s"} in ${words}.`
      : `No fallback applied in ${words}.`;
    await drawUsage(chart, answer.series, asked);
    top.replaceChildren(answer.top.length ? h("div", { class: "scroll" }, h("table", {},
      h("caption", {}, answer.top.length === 1 ? "The only number used in the range"
        : `The ${answer.top.length} numbers used most in the range, most first`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Number"), h("th", { scope: "col" }, "Applied"))),
      h("tbody", {}, answer.top.map((item) => h("tr", {},
        h("th", { scope: "row" }, h("a", { href: href(domain, "numbers", item.number) }, item.number)),
        h("td", {}, String(item.count))))))) : h("p", {}, "None in this range."));
  }

  await load();
  return {};
}
