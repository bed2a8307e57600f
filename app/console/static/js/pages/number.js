// One number: its fallback form (saved with If-Match, so a concurrent edit is shown
// instead of overwritten), the dry run as the INVITE it would send, usage with its chart
// over time, history with what changed and restore, and renew.

import { ApiError, call, ivrPath, managePath, segment } from "../api.js";
import { drawUsage, rangeField, rangeQuery } from "../chart.js";
import { changes } from "../diff.js";
import { FallbackForm, bodyOf, emptyModel, expirationOf, expiryFieldset, modelOf } from "../fallback-form.js";
import { field, h, say, setError, status, when } from "../dom.js";

const OUTCOMES = ["timeout", "error", "unreachable", "invalid", "answered", "not-asked"];

export async function render(main, { domain, number, href, draft }) {
  document.title = `${number} · ${domain} · Cache console`;
  const entryPath = ivrPath(domain, number);
  const manage = (rest) => managePath(domain, `ivrfallback/${segment(number)}/${rest}`);
  let etag = null;
  let entry = null;

  const summary = h("p", { id: "entry-summary" });
  const notice = status();
  const conflict = h("section", { id: "conflict", "aria-labelledby": "conflict-title", hidden: true });
  const form = new FallbackForm((model) => save(model));
  const deleteButton = h("button", { type: "button", class: "danger", onclick: () => remove() }, "Delete fallback");
  const dryRun = dryRunSection(manage);
  const usageSummary = h("p", { id: "usage-summary" });
  const usageChart = h("div", { id: "usage-chart" });
  const usageRange = rangeField("usage-range", () => loadUsage());
  const usage = h("section", { "aria-labelledby": "usage-title" },
    h("h2", { id: "usage-title" }, "Usage"), usageSummary,
    h("div", { class: "row" }, usageRange.element,
      h("button", { type: "button", class: "secondary", onclick: () => loadUsage() }, "Refresh usage")),
    usageChart);
  const historyList = h("div", { id: "history" });
  const restoreExpiry = h("select", { id: "restore-expiration" },
    h("option", { value: "" }, "as the version had it"),
    ["DAY", "WEEK", "MONTH", "QUARTER", "HALF-YEAR"].map((p) => h("option", { value: p }, `${p} from now`)));
  const renewExpiry = expiryFieldset({ kind: "period", period: "HALF-YEAR", date: "", keepTtl: null },
    "expiration", "New expiry");
  const renewNotice = status();

  main.append(
    h("p", {}, h("a", { href: href(domain, "numbers") }, `← ${domain}'s numbers`)),
    h("h1", {}, number),
    summary,
    h("nav", { "aria-label": "On this page", class: "toc" }, h("ul", {},
      [["form-title", "Fallback"], ["dry-run-title", "Dry run"], ["usage-title", "Usage"],
        ["history-title", "History"], ["renew-title", "Renew"]].map(([id, text]) => h("li", {},
        h("a", { href: `#${id}`, onclick: (event) => {
          // The hash is the route: jump without changing it.
          event.preventDefault();
          const target = document.getElementById(id);
          target.setAttribute("tabindex", "-1");
          target.focus();
        } }, text))))),
    notice, conflict,
    h("section", { "aria-labelledby": "form-title" }, h("h2", { id: "form-title" }, "Fallback"),
      form.element, deleteButton),
    dryRun.element,
    usage,
    h("section", { "aria-labelledby": "history-title" }, h("h2", { id: "history-title" }, "History"),
      field("Expiry of a restored version", restoreExpiry,
        "A version that has expired needs a new expiry."), historyList),
    h("section", { "aria-labelledby": "renew-title" }, h("h2", { id: "renew-title" }, "Renew"),
      h("form", { novalidate: true, "aria-label": "Renew", onsubmit: (event) => { event.preventDefault(); renew(); } },
        renewExpiry, h("button", { type: "submit" }, "Renew")), renewNotice),
  );

  async function load() {
    try {
      const answer = await call("GET", entryPath);
      entry = answer.data.data;
      etag = answer.etag;
      summary.textContent = `Version ${etag?.replace(/"/g, "")}, ${entry.mode}, expires ${when(entry.ttl)}.`;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      entry = null;
      etag = null;
      summary.textContent = "No fallback is set for this number: fill in the form to create one.";
    }
    deleteButton.hidden = !entry;
  }

  async function save(model) {
    form.clearErrors();
    const { body, errors } = bodyOf(model);
    if (errors.length) {
      form.showErrors("Some fields cannot be sent as they are.", errors);
      return;
    }
    const headers = entry ? { "If-Match": etag } : { "If-None-Match": "*" };
    try {
      await call("POST", entryPath, { body, headers });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 400) form.showErrors(error.message, error.fieldErrors);
      else if (error.status === 412) await showConflict(model);
      else if (error.status === 401) say(notice, "Not saved: sign in again, then save again.", "error");
      else say(notice, `Not saved: ${error.message}`, "error");
      return;
    }
    conflict.hidden = true;
    await refresh();
    say(notice, `Saved: version ${etag?.replace(/"/g, "")}.`);
  }

  async function showConflict(mine) {
    await load();
    const theirs = entry ? { mode: entry.mode, ttl: entry.ttl, command: entry.command } : null;
    const { body } = bodyOf(mine);
    const rows = changes(theirs ? { mode: theirs.mode, command: theirs.command } : {},
      { mode: body.mode, command: body.command });
    conflict.replaceChildren(
      h("h2", { id: "conflict-title" }, "Changed elsewhere"),
      h("p", { role: "alert" }, theirs
        ? `This number was changed since you opened it: it is now version ${etag?.replace(/"/g, "")}. Your edit was not saved.`
        : "This number's fallback was deleted since you opened it. Your edit was not saved."),
      theirs ? h("details", { open: true }, h("summary", {}, "The other version"),
        h("pre", { id: "their-version" }, JSON.stringify(theirs, null, 2))) : null,
      changeTable(rows, "Theirs", "Yours", "What your edit would change in it"),
      h("div", { class: "row" },
        h("button", { type: "button", onclick: () => {
          conflict.hidden = true;
          form.render(entry ? modelOf(entry) : emptyModel());
          say(notice, "The form now holds the other version.");
        } }, "Take the other version"),
        h("button", { type: "button", class: "secondary", onclick: () => save(mine) },
          theirs ? "Save mine over it" : "Create it again with mine")));
    conflict.hidden = false;
    conflict.querySelector("button").focus();
  }

  async function remove() {
    if (!window.confirm(`Delete the fallback of ${number}? Its history stays, and it can be restored.`)) return;
    try {
      await call("DELETE", entryPath, { headers: { "If-Match": etag } });
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) await showConflict(form.read());
      else say(notice, `Not deleted: ${error.message}`, "error");
      return;
    }
    await refresh();
    say(notice, "Deleted.");
  }

  async function renew() {
    const expiration = expirationOf(renewExpiry.readExpiry());
    setError(renewExpiry, null);
    try {
      const { data } = await call("POST", manage("renew"), { body: { expiration },
        headers: etag ? { "If-Match": etag } : {} });
      await refresh();
      say(renewNotice, `Renewed: expires ${when(data.ttl)}.`);
    } catch (error) {
      if (await changedElsewhere(error, renewNotice, "renewed")) return;
      const named = error instanceof ApiError ? error.fieldErrors.find((e) => e.field === "expiration") : null;
      if (named) setError(renewExpiry, `expiration: ${named.message}`);
      say(renewNotice, `Not renewed: ${error.message}`, "error");
    }
  }

  async function restore(version) {
    const body = { version };
    if (restoreExpiry.value) body.expiration = restoreExpiry.value;
    setError(restoreExpiry, null);
    try {
      // As a save: over the version shown, or only while there is still no entry.
      const { data } = await call("POST", manage("restore"), { body,
        headers: etag ? { "If-Match": etag } : { "If-None-Match": "*" } });
      await refresh();
      say(notice, `Version ${version} restored as version ${data.version}.`);
    } catch (error) {
      if (await changedElsewhere(error, notice, "restored")) return;
      const named = error instanceof ApiError ? error.fieldErrors.find((e) => e.field === "expiration") : null;
      if (named) {
        setError(restoreExpiry, `expiration: ${named.message}`);
        restoreExpiry.focus();
      }
      say(notice, `Not restored: ${error.message}`, "error");
    }
  }

  /** A 412 of restore or renew (their If-Match is the page's version): show what is current. */
  async function changedElsewhere(error, where, verb) {
    if (!(error instanceof ApiError) || error.status !== 412) return false;
    await refresh();
    say(where, entry
      ? `Not ${verb}: this number was changed since you opened it; the page now shows version ${etag?.replace(/"/g, "")}.`
      : `Not ${verb}: this number's fallback was deleted since you opened it.`, "error");
    return true;
  }

  async function loadHistory() {
    let versions = [];
    try {
      ({ data: { data: versions } } = await call("GET", manage("history")));
    } catch (error) {
      historyList.replaceChildren(status(error.message, "error"));
      return;
    }
    if (!versions.length) {
      historyList.replaceChildren(h("p", {}, "No changes yet."));
      return;
    }
    const rows = versions.map((version, index) => {
      const older = versions[index + 1];
      const detailsRow = h("tr", { hidden: true }, h("td", { colspan: 6 },
        changeTable(changes(older ? { mode: older.mode, ttl: older.ttl, command: older.command } : {},
          { mode: version.mode, ttl: version.ttl, command: version.command }),
        older ? `Version ${older.version}` : "Before", `Version ${version.version}`,
        `What version ${version.version} changed`)));
      const toggle = h("button", { type: "button", class: "secondary", "aria-expanded": "false",
        onclick: () => {
          detailsRow.hidden = !detailsRow.hidden;
          toggle.setAttribute("aria-expanded", String(!detailsRow.hidden));
        } }, `Changes in ${version.version}`);
      const restorable = version.command !== null;
      return [h("tr", {},
        h("td", {}, String(version.version)), h("td", {}, when(version.at)), h("td", {}, version.by ?? "—"),
        h("td", {}, version.action), h("td", {}, version.ttl ? when(version.ttl) : "—"),
        h("td", { class: "row" }, toggle, restorable ? h("button", { type: "button",
          onclick: () => restore(version.version) }, `Restore ${version.version}`) : null)), detailsRow];
    });
    historyList.replaceChildren(h("div", { class: "scroll" }, h("table", {},
      h("caption", {}, "Every change, newest first"),
      h("thead", {}, h("tr", {}, ["Version", "When", "By", "Change", "Expiry", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows.flat()))));
  }

  async function loadUsage() {
    const range = rangeQuery(usageRange.select.value);
    try {
      const { data } = await call("GET", manage("usage"), { query: range });
      usageSummary.textContent = data.count
        ? `Applied ${data.count} time${data.count === 1 ? "" : "s"} in all; last ${when(data.lastUsedAt)} (${data.lastOutcome}).`
        : "Never applied.";
      await drawUsage(usageChart, data.series, range);
    } catch (error) {
      usageSummary.textContent = "";
      usageChart.replaceChildren(status(error.status === 404 ? "No usage: no fallback is set." : error.message,
        error.status === 404 ? "info" : "error"));
    }
  }

  async function refresh() {
    await load();
    form.render(entry ? modelOf(entry) : emptyModel());
    await Promise.all([loadHistory(), loadUsage()]);
  }

  await load();
  form.render(draft || (entry ? modelOf(entry) : emptyModel()));
  if (draft) say(notice, "What you were typing before signing in again is back in the form: save it when ready.");
  await Promise.all([loadHistory(), loadUsage()]);
  return {
    draft: () => form.read(),
    resumed: () => say(notice, "Signed in again. The form is as you left it."),
  };
}

function changeTable(rows, beforeLabel, afterLabel, caption) {
  if (!rows.length) return h("p", {}, "No difference.");
  return h("div", { class: "scroll" }, h("table", { class: "diff" }, h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Field"), h("th", { scope: "col" }, beforeLabel),
      h("th", { scope: "col" }, afterLabel))),
    h("tbody", {}, rows.map(({ path, before, after }) => h("tr", {},
      h("th", { scope: "row" }, path),
      h("td", {}, before === undefined ? "—" : h("del", {}, before)),
      h("td", {}, after === undefined ? "—" : h("ins", {}, after)))))));
}

function dryRunSection(manage) {
  const outcome = h("select", { id: "dry-run-outcome" }, OUTCOMES.map((o) => h("option", { value: o }, o)));
  const result = h("div", { id: "dry-run-result", "aria-live": "polite" });
  const element = h("section", { "aria-labelledby": "dry-run-title" },
    h("h2", { id: "dry-run-title" }, "Dry run"),
    h("p", {}, "What the platform would do for a call now, counted nowhere."),
    h("form", { class: "row", "aria-label": "Dry run", onsubmit: async (event) => {
      event.preventDefault();
      try {
        const { data } = await call("GET", manage("dry-run"), { query: { outcome: outcome.value } });
        result.replaceChildren(...dryRunView(data));
      } catch (error) {
        result.replaceChildren(status(error.message, "error"));
      }
    } }, field("When asking the customer's system ended in", outcome), h("button", { type: "submit" }, "Dry run")),
    result);
  return { element };
}

function dryRunView(answer) {
  const verdict = h("p", { id: "dry-run-verdict" }, answer.apply
    ? `The fallback applies (${answer.reason}): the platform runs the ${answer.command.action.type}.`
    : `The fallback does not apply (${answer.reason}).`);
  const request = answer.sipRequest;
  if (!request) return [verdict];
  const lines = [`${request.method} ${request.target} SIP/2.0`];
  for (const header of request.headers) {
    if (header.name === "Contact") {
      const params = (map) => Object.entries(map || {}).map(([k, v]) => `;${k}${v === "" ? "" : `=${v}`}`).join("");
      lines.push(`Contact: <sip:(platform)${params(header.userParameters)}@(platform)${params(header.uriParameters)}>`);
    } else if (header.copiedFromIncomingCall) {
      lines.push(`${header.name}: (copied from the incoming call)`);
    } else {
      lines.push(`${header.name}: ${header.value}`);
    }
  }
  const phrase = (p) => p.fileName ? `file ${p.fileName}` : p.googleTTSParameters
    ? `Google TTS ${JSON.stringify(p.googleTTSParameters)}` : `AWS Polly ${JSON.stringify(p.awsTTSParameters)}`;
  return [verdict,
    request.phrases.length ? h("p", {}, "First played: ", request.phrases.map(phrase).join(", then "), ".") : null,
    h("pre", { id: "invite-preview", "aria-label": "The INVITE the platform would send" }, lines.join("\n")),
    h("p", {}, request.maxRingTime === null ? "It rings for the platform's default time."
      : `It rings for at most ${request.maxRingTime} seconds.`)];
}
