// The form of one number's IVR fallback: every field of the command (openapi/cache.yaml,
// FallbackSettings). It holds a "model" of what is typed (strings, as typed) and turns
// it into the POST body; the service alone judges the values, and its problem+json
// errors are shown beside the fields they name.

import { field, h, setError, uid, when } from "./dom.js";

export const PERIODS = [
  ["DAY", "a day"], ["WEEK", "a week"], ["MONTH", "30 days"], ["QUARTER", "91 days"],
  ["HALF-YEAR", "182 days"],
];
const SIP_FIELDS = [
  ["destAddr", "Destination (destAddr)", "Where the call goes, e.g. sip:desk@pbx.example.com"],
  ["sipFrom", "From (sipFrom)", null],
  ["sipTo", "To (sipTo)", null],
  ["sipDiversion", "Diversion (sipDiversion)", null],
  ["sipPAI", "P-Asserted-Identity (sipPAI)", null],
  ["sipRPID", "Remote-Party-ID (sipRPID)", null],
];
// [field, legend, what one entry is called, the prefix its name must have]
const MAPS = [
  ["xHeaders", "X- headers (xHeaders)", "X- header", "X-"],
  ["pHeaders", "P- headers (pHeaders)", "P- header", "P-"],
  ["contactParameters", "Contact URI parameters (contactParameters)", "Contact parameter", ""],
  ["contactUserParameters", "Contact user parameters (contactUserParameters)", "Contact user parameter", ""],
];
const PHRASE_KINDS = [
  ["file", "Recorded file"], ["google", "Google text-to-speech"], ["aws", "AWS Polly text-to-speech"],
];
const TTS_KEY = { google: "googleTTSParameters", aws: "awsTTSParameters" };

/** An empty model: a new number's form. */
export function emptyModel() {
  return {
    mode: "onError",
    expiry: { kind: "period", period: "HALF-YEAR", date: "", keepTtl: null },
    type: "call",
    action: Object.fromEntries([...SIP_FIELDS.map(([name]) => [name, ""]), ["maxRingTime", ""]]),
    maps: Object.fromEntries(MAPS.map(([name]) => [name, []])),
    copyHeaders: [],
    phrases: [],
  };
}

/** The model of a stored entry ({mode, ttl, command}), its expiry kept by default. */
export function modelOf(entry) {
  const model = emptyModel();
  const action = entry.command?.action || {};
  model.mode = entry.mode;
  model.expiry = { kind: "keep", period: "HALF-YEAR", date: "", keepTtl: entry.ttl };
  model.type = action.type || "call";
  for (const [name] of SIP_FIELDS) model.action[name] = action[name] ?? "";
  model.action.maxRingTime = action.maxRingTime === undefined ? "" : String(action.maxRingTime);
  for (const [name] of MAPS) model.maps[name] = Object.entries(action[name] || {});
  model.copyHeaders = [...(action.copyHeaders || [])];
  model.phrases = (entry.command?.phrases || []).map((phrase) => {
    const kind = phrase.googleTTSParameters ? "google" : phrase.awsTTSParameters ? "aws" : "file";
    return {
      kind,
      fileName: phrase.fileName ?? "",
      params: kind === "file" ? "{}" : JSON.stringify(phrase[TTS_KEY[kind]], null, 2),
      format: phrase.format ?? "",
      cacheTimeToLive: phrase.cacheTimeToLive ?? "",
      refreshCache: phrase.refreshCache === undefined ? "" : String(phrase.refreshCache),
    };
  });
  return model;
}

/** A timestamp for <input type="datetime-local"> in the user's time zone. */
function localInput(unixSeconds) {
  const date = new Date(unixSeconds * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** `expiration` for a body from an expiry choice: a period, a unix timestamp, or absent. */
export function expirationOf(expiry) {
  if (expiry.kind === "keep") return expiry.keepTtl ?? undefined;
  if (expiry.kind === "date") {
    const time = Date.parse(expiry.date);
    // Not a date: sent as typed, so that the service names the field.
    return Number.isNaN(time) ? expiry.date : Math.floor(time / 1000);
  }
  return expiry.period;
}

/**
 * The POST body of a model, and the errors found before sending (only what cannot
 * be sent at all: text-to-speech parameters that are not a JSON object).
 */
export function bodyOf(model) {
  const errors = [];
  const action = { type: model.type };
  if (model.type === "call") {
    for (const [name] of SIP_FIELDS) if (model.action[name] !== "") action[name] = model.action[name];
    const ring = model.action.maxRingTime.trim();
    if (ring !== "") action.maxRingTime = /^-?\d+$/.test(ring) ? Number(ring) : ring;
    for (const [name] of MAPS) {
      if (model.maps[name].length) action[name] = Object.fromEntries(model.maps[name]);
    }
    if (model.copyHeaders.length) action.copyHeaders = [...model.copyHeaders];
  }
  const command = { action };
  if (model.phrases.length) {
    command.phrases = model.phrases.map((phrase, index) => {
      const out = {};
      if (phrase.kind === "file") {
        out.fileName = phrase.fileName;
      } else {
        let params = null;
        try {
          params = JSON.parse(phrase.params || "{}");
        } catch {
          params = null;
        }
        if (!params || typeof params !== "object" || Array.isArray(params)) {
          errors.push({ field: `command.phrases.${index}.${TTS_KEY[phrase.kind]}`,
            message: "must be a JSON object, e.g. {\"text\": \"We are closed\"}" });
        }
        out[TTS_KEY[phrase.kind]] = params || {};
      }
      if (phrase.format !== "") out.format = phrase.format;
      if (phrase.cacheTimeToLive !== "") out.cacheTimeToLive = phrase.cacheTimeToLive;
      if (phrase.refreshCache !== "") out.refreshCache = phrase.refreshCache === "true";
      return out;
    });
  }
  const body = { mode: model.mode, command };
  const expiration = expirationOf(model.expiry);
  if (expiration !== undefined) body.expiration = expiration;
  return { body, errors };
}

/** A fieldset with a legend and an error slot of its own (for errors naming the group). */
function group(legend, path, ...children) {
  const id = uid("g");
  return h("fieldset", { id, "data-path": path, "aria-describedby": `${id}-error` },
    h("legend", {}, legend), ...children,
    h("small", { class: "field-error", id: `${id}-error`, hidden: true }));
}

function radios(name, path, legend, options, current, onchange) {
  return group(legend, path, ...options.map(([value, text]) => {
    const id = uid("r");
    return h("label", { for: id },
      h("input", { type: "radio", id, name, value, checked: value === current, onchange }), text);
  }));
}

function select(options, current, attributes = {}) {
  return h("select", attributes,
    options.map(([value, text]) => h("option", { value, selected: value === current }, text)));
}

/** The expiry choice: keep the current expiry, a period from now, or a date. */
export function expiryFieldset(expiry, path = "expiration", legend = "Expires") {
  const name = uid("expiry");
  const choices = [];
  if (expiry.keepTtl) choices.push(["keep", `as now (${when(expiry.keepTtl)})`]);
  choices.push(["period", "after a period from now"], ["date", "at a date and time"]);
  const period = select(PERIODS.map(([value, text]) => [value, `${value} (${text})`]),
    expiry.period, { "data-role": "period" });
  const date = h("input", { type: "datetime-local", "data-role": "date",
    value: expiry.date || (expiry.keepTtl ? localInput(expiry.keepTtl) : "") });
  const fieldset = group(legend, path,
    ...choices.map(([value, text]) => {
      const id = uid("r");
      return h("label", { for: id }, h("input", { type: "radio", id, name, value,
        "data-role": "expiry-kind", checked: value === expiry.kind }), text);
    }),
    h("div", { class: "grid" }, field("Period", period), field("Date and time", date)));
  fieldset.readExpiry = () => ({
    kind: fieldset.querySelector("[data-role=expiry-kind]:checked")?.value || "period",
    period: period.value,
    date: date.value,
    keepTtl: expiry.keepTtl,
  });
  return fieldset;
}

export class FallbackForm {
  /** `onsubmit(model)` runs when the user saves. */
  constructor(onsubmit) {
    this.onsubmit = onsubmit;
    this.element = h("form", { novalidate: true, "aria-label": "Fallback",
      onsubmit: (event) => { event.preventDefault(); this.onsubmit(this.read()); } });
    this.summary = h("div", { class: "error-summary", role: "alert", hidden: true });
    this.model = emptyModel();
  }

  render(model) {
    this.model = model;
    const e = this.element;
    const rerender = (change, focusSelector = null) => () => {
      const next = this.read();
      change(next);
      this.render(next);
      if (focusSelector) e.querySelector(focusSelector)?.focus();
    };
    this.inputs = {};
    const actionInputs = SIP_FIELDS.map(([name, label, hint]) => {
      const input = h("input", { type: "text", value: model.action[name], "data-path":
        `command.action.${name}`, "data-action": name, autocomplete: "off" });
      return field(label, input, hint);
    });
    const ring = h("input", { type: "text", inputmode: "numeric", value: model.action.maxRingTime,
      "data-path": "command.action.maxRingTime", "data-action": "maxRingTime" });
    const maps = MAPS.map(([name, legend, entry, prefix]) => group(legend,
      `command.action.${name}`,
      model.maps[name].map(([key, value], index) => h("div", { class: "row", "data-map": name },
        field(`${entry} ${index + 1} name`, h("input", { type: "text", value: key, "data-role": "key",
          "data-map-path": `command.action.${name}` })),
        field(`${entry} ${index + 1} value`, h("input", { type: "text", value, "data-role": "value" })),
        h("button", { type: "button", class: "secondary", "aria-label": `Remove ${entry} ${index + 1}`,
          onclick: rerender((m) => m.maps[name].splice(index, 1), `[data-add=${name}]`) }, "Remove"))),
      h("button", { type: "button", class: "secondary", "data-add": name, onclick: rerender(
        (m) => m.maps[name].push([prefix, ""]),
        `[data-map=${name}]:last-of-type [data-role=key]`) }, `Add ${entry}`)));
    const copy = group("Headers copied from the incoming call (copyHeaders)",
      "command.action.copyHeaders",
      model.copyHeaders.map((name, index) => h("div", { class: "row", "data-copy": "" },
        field(`Copied header ${index + 1}`, h("input", { type: "text", value: name, "data-role": "copy",
          "data-path": `command.action.copyHeaders.${index}` })),
        h("button", { type: "button", class: "secondary", "aria-label": `Remove copied header ${index + 1}`,
          onclick: rerender((m) => m.copyHeaders.splice(index, 1), "[data-add=copy]") }, "Remove"))),
      h("button", { type: "button", class: "secondary", "data-add": "copy", onclick: rerender(
        (m) => m.copyHeaders.push(""), "[data-copy]:last-of-type input") }, "Add copied header"));
    const callPart = h("div", { "data-call": "", hidden: model.type !== "call" },
      actionInputs[0], h("div", { class: "grid" }, actionInputs.slice(1)), field("Max ring time, seconds (maxRingTime)", ring, "1 to 3600; empty: the platform's default"),
      maps, copy);
    const phrases = group("Phrases played before the action (phrases)", "command.phrases",
      model.phrases.map((phrase, index) => this.phrase(phrase, index, rerender)),
      h("button", { type: "button", class: "secondary", "data-add": "phrase", onclick: rerender(
        (m) => m.phrases.push({ kind: "file", fileName: "", params: "{}", format: "",
          cacheTimeToLive: "", refreshCache: "" }), "[data-phrase]:last-of-type select") },
      "Add phrase"));
    this.expiry = expiryFieldset(model.expiry);
    e.replaceChildren(
      this.summary,
      radios(uid("mode"), "mode", "Mode", [["onError", "onError: only when the customer's system fails"],
        ["always", "always: for every call, without asking the customer's system"]], model.mode),
      this.expiry,
      radios(uid("type"), "command.action.type", "Action", [["call", "call: forward the call"],
        ["hangup", "hangup: end the call"]], model.type,
      rerender(() => {}, "[data-path='command.action.type'] input:checked")),
      callPart,
      phrases,
      h("button", { type: "submit" }, "Save fallback"),
    );
  }

  phrase(phrase, index, rerender) {
    const n = index + 1;
    const last = this.model.phrases.length - 1;
    const path = `command.phrases.${index}`;
    const kind = select(PHRASE_KINDS, phrase.kind, { "data-role": "kind",
      onchange: rerender(() => {}, `[data-phrase="${index}"] select`) });
    const source = phrase.kind === "file"
      ? field(`Phrase ${n} file name (fileName)`, h("input", { type: "text", value: phrase.fileName,
        "data-role": "fileName", "data-path": `${path}.fileName` }))
      : field(`Phrase ${n} ${TTS_KEY[phrase.kind]} (JSON object)`, h("textarea", { rows: 3,
        "data-role": "params", "data-path": `${path}.${TTS_KEY[phrase.kind]}`, value: phrase.params }));
    const fieldset = group(`Phrase ${n}`, path,
      field(`Phrase ${n} kind`, kind),
      source,
      h("div", { class: "grid" },
        field(`Phrase ${n} format`, h("input", { type: "text", value: phrase.format, "data-role": "format",
          "data-path": `${path}.format` }), "e.g. wav"),
        field(`Phrase ${n} cache time to live (cacheTimeToLive)`, h("input", { type: "text",
          value: phrase.cacheTimeToLive, "data-role": "cacheTimeToLive",
          "data-path": `${path}.cacheTimeToLive` })),
        field(`Phrase ${n} refresh cache (refreshCache)`, select([["", "not set"], ["true", "yes"],
          ["false", "no"]], phrase.refreshCache, { "data-role": "refreshCache",
          "data-path": `${path}.refreshCache` }))),
      h("div", { class: "row" },
        h("button", { type: "button", class: "secondary", disabled: index === 0, "aria-label": `Move phrase ${n} up`,
          onclick: rerender((m) => m.phrases.splice(index - 1, 0, ...m.phrases.splice(index, 1)),
            `[data-phrase="${index - 1}"] select`) }, "Up"),
        h("button", { type: "button", class: "secondary", disabled: index === last, "aria-label": `Move phrase ${n} down`,
          onclick: rerender((m) => m.phrases.splice(index + 1, 0, ...m.phrases.splice(index, 1)),
            `[data-phrase="${index + 1}"] select`) }, "Down"),
        h("button", { type: "button", class: "secondary", "aria-label": `Remove phrase ${n}`,
          onclick: rerender((m) => m.phrases.splice(index, 1), "[data-add=phrase]") }, "Remove")));
    fieldset.dataset.phrase = String(index);
    return fieldset;
  }

  /** The model of what the form holds now. */
  read() {
    const e = this.element;
    const model = emptyModel();
    model.mode = e.querySelector("[data-path=mode] input:checked")?.value || "onError";
    model.expiry = this.expiry.readExpiry();
    model.type = e.querySelector("[data-path='command.action.type'] input:checked")?.value || "call";
    for (const input of e.querySelectorAll("[data-action]")) model.action[input.dataset.action] = input.value;
    for (const [name] of MAPS) {
      model.maps[name] = [...e.querySelectorAll(`[data-map=${name}]`)].map((row) => [
        row.querySelector("[data-role=key]").value, row.querySelector("[data-role=value]").value]);
    }
    model.copyHeaders = [...e.querySelectorAll("[data-role=copy]")].map((input) => input.value);
    model.phrases = [...e.querySelectorAll("[data-phrase]")].map((fieldset, index) => {
      const value = (role) => fieldset.querySelector(`[data-role=${role}]`)?.value ?? "";
      const old = this.model.phrases[index] || {};
      return {
        kind: value("kind"),
        fileName: fieldset.querySelector("[data-role=fileName]") ? value("fileName") : (old.fileName || ""),
        params: fieldset.querySelector("[data-role=params]") ? value("params") : (old.params || "{}"),
        format: value("format"),
        cacheTimeToLive: value("cacheTimeToLive"),
        refreshCache: value("refreshCache"),
      };
    });
    return model;
  }

  /** Show the problem's field errors beside their fields, and a summary on top. */
  showErrors(detail, errors) {
    this.clearErrors();
    const targets = [...this.element.querySelectorAll("[data-path]")].map((control) => [control.dataset.path, control]);
    for (const input of this.element.querySelectorAll("[data-map-path]")) {
      targets.push([`${input.dataset.mapPath}.${input.value}`, input]);
    }
    const items = [];
    for (const error of errors) {
      let best = null;
      for (const [path, control] of targets) {
        if (error.field === path || error.field.startsWith(`${path}.`)) {
          if (!best || path.length > best[0].length) best = [path, control];
        }
      }
      const control = best?.[1];
      if (control) {
        const previous = document.getElementById(`${control.id}-error`)?.textContent;
        setError(control, previous ? `${previous}; ${error.message}` : `${error.field}: ${error.message}`);
      }
      items.push(h("li", {}, control ? h("a", { href: `#${control.id}`, onclick: (event) => {
        event.preventDefault();
        (control.matches("fieldset") ? control.querySelector("input, select, textarea") : control)?.focus();
      } }, `${error.field}: ${error.message}`) : `${error.field}: ${error.message}`));
    }
    this.summary.replaceChildren(h("strong", {}, "Not saved. "), detail || "", items.length ? h("ul", {}, items) : null);
    this.summary.hidden = false;
  }

  clearErrors() {
    for (const control of this.element.querySelectorAll("[aria-invalid]")) setError(control, null);
    for (const control of this.element.querySelectorAll("fieldset[data-path]")) setError(control, null);
    this.summary.hidden = true;
    this.summary.replaceChildren();
  }
}
