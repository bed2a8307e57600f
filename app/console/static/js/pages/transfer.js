// Export (a download of GET /manage/{domain}/ivrfallback/export) and import (a file
// POSTed to .../import, optionally as a dry run), with each item's result shown.

import { call, managePath } from "../api.js";
import { field, h, say, status } from "../dom.js";

// A dry run answers `written: false` for every entry; a valid one has this detail
// (app/transfer.py): the only per-entry sign of validity the answer carries.
const VALID_IN_DRY_RUN = "valid; not written (dry run)";

export async function render(main, { domain, href }) {
  document.title = `Import and export · ${domain} · Cache console`;
  const exportNotice = status();
  const file = h("input", { id: "import-file", type: "file", accept: "application/json,.json", required: true });
  const dryRun = h("input", { id: "import-dry-run", type: "checkbox" });
  const importNotice = status();
  const results = h("div", { id: "import-results" });
  main.append(
    h("h1", {}, "Import and export ", h("small", {}, domain)),
    h("section", { "aria-labelledby": "export-title" },
      h("h2", { id: "export-title" }, "Export"),
      h("p", {}, "Every unexpired IVR fallback of the domain, as one JSON document that import takes back."),
      h("button", { type: "button", id: "export", onclick: exportAll }, "Download export"), exportNotice),
    h("section", { "aria-labelledby": "import-title" },
      h("h2", { id: "import-title" }, "Import"),
      h("form", { novalidate: true, "aria-label": "Import", onsubmit: (event) => { event.preventDefault(); importFile(); } },
        field("File to import", file, "{\"entries\": [{\"number\": …, \"mode\": …, \"command\": …, \"ttl\" or \"expiration\": …}]}"),
        h("label", { for: "import-dry-run" }, dryRun, "Only check the file (dry run): write nothing"),
        h("button", { type: "submit" }, "Import")),
      importNotice, results));

  async function exportAll() {
    try {
      const { data } = await call("GET", managePath(domain, "ivrfallback/export"));
      const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
      const link = h("a", { href: URL.createObjectURL(blob), download: `${domain}-ivrfallback.json` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      say(exportNotice, `Exported ${data.entries.length} entries.`);
    } catch (error) {
      say(exportNotice, error.message, "error");
    }
  }

  async function importFile() {
    results.replaceChildren();
    if (!file.files.length) {
      say(importNotice, "Choose a file first.", "error");
      file.focus();
      return;
    }
    let document_ = null;
    try {
      document_ = JSON.parse(await file.files[0].text());
    } catch (error) {
      say(importNotice, `The file is not JSON: ${error.message}`, "error");
      return;
    }
    let data = null;
    try {
      ({ data } = await call("POST", managePath(domain, "ivrfallback/import"), { body: document_,
        query: dryRun.checked ? { dryRun: "true" } : undefined }));
    } catch (error) {
      const fields = error.fieldErrors?.map((e) => `${e.field}: ${e.message}`).join("; ");
      say(importNotice, `Nothing imported: ${fields || error.message}`, "error");
      return;
    }
    const checking = dryRun.checked;
    const fine = (result) => result.written || (checking && result.detail === VALID_IN_DRY_RUN);
    const done = data.results.filter(fine).length;
    const verb = checking ? "would be written" : "written";
    say(importNotice, `${done} of ${data.results.length} entries ${verb}${data.success ? "." : "; the others are refused, see below."}`,
      data.success ? "info" : "error");
    results.replaceChildren(h("div", { class: "scroll" }, h("table", {},
      h("caption", {}, "Each entry of the file, in its order"),
      h("thead", {}, h("tr", {}, ["Number", "Result"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, data.results.map((result) => h("tr", { class: fine(result) ? "" : "refused" },
        h("td", {}, typeof result.number === "string" && result.written
          ? h("a", { href: href(domain, "numbers", result.number) }, result.number) : String(result.number ?? "—")),
        h("td", {}, fine(result) ? verb : `refused: ${result.detail}`)))))));
  }
  return {};
}
