// Small DOM helpers: elements are built with h(), never from HTML strings, so that no
// value from the API is ever parsed as markup.

let counter = 0;

/** A fresh id for label/control and aria-describedby pairs. */
export function uid(prefix = "c") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * h("button", {type: "button", onclick: fn}, "Text"): an element with attributes,
 * event listeners (on...) and children (strings, nodes, arrays; null and false skipped).
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "value" || name === "checked" || name === "selected") {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** Replace an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A labelled control: <label for>text</label> + control, with an error slot after it. */
export function field(labelText, control, hint = null) {
  const id = control.id || uid("f");
  control.id = id;
  const error = h("small", { class: "field-error", id: `${id}-error`, hidden: true });
  const hintElement = hint ? h("small", { id: `${id}-hint` }, hint) : null;
  control.setAttribute("aria-describedby",
    [hintElement ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" "));
  return h("div", { class: "field" }, h("label", { for: id }, labelText), control,
    hintElement, error);
}

/** Show (or clear, with null) the error message belonging to a control or fieldset. */
export function setError(control, message) {
  const slot = document.getElementById(`${control.id}-error`);
  if (message) control.setAttribute("aria-invalid", "true");
  else control.removeAttribute("aria-invalid");
  if (slot) {
    slot.textContent = message || "";
    slot.hidden = !message;
  }
}

/** A date and time, for people, in their own time zone; "never" for null. */
export function when(unixSeconds) {
  if (unixSeconds === null || unixSeconds === undefined) return "never";
  return new Date(unixSeconds * 1000).toLocaleString(undefined, {
    dateStyle: "medium", timeStyle: "short",
  });
}

/** A date alone, for lists where the time of day would crowd the row. */
export function day(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleDateString(undefined, { dateStyle: "medium" });
}

/** A status line that screen readers announce when it changes. */
export function status(text = "", kind = "info") {
  return h("p", { role: kind === "error" ? "alert" : "status", class: `notice ${kind}` }, text);
}

export function say(element, text, kind = "info") {
  element.className = `notice ${kind}`;
  element.setAttribute("role", kind === "error" ? "alert" : "status");
  element.textContent = text;
}

/** Load a classic script (a vendored library that defines a global) from this server. */
export function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(script);
  });
}
