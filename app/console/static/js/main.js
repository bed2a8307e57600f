// The console's shell: sign-in, the domain, the navigation and the hash routes
// (#/DOMAIN/numbers, #/DOMAIN/numbers/NUMBER, #/DOMAIN/usage, #/DOMAIN/expiring,
// #/DOMAIN/siprec, #/DOMAIN/transfer). Pages are modules with render(main, context).

import * as auth from "./auth.js";
import { whenUnauthorized } from "./api.js";
import { fill, h, status } from "./dom.js";

// Each page's module, imported when first shown (index.html preloads them all at once,
// so that none waits for another).
const PAGES = {
  numbers: () => import("./pages/numbers.js"),
  number: () => import("./pages/number.js"),
  usage: () => import("./pages/usage.js"),
  expiring: () => import("./pages/expiring.js"),
  siprec: () => import("./pages/siprec.js"),
  transfer: () => import("./pages/transfer.js"),
};
const NAV = [["numbers", "Numbers"], ["usage", "Use over time"], ["expiring", "Expiring soon"],
  ["siprec", "SIPRec"], ["transfer", "Import and export"]];
const main = document.getElementById("main");
const nav = document.getElementById("nav-links");
const dialog = document.getElementById("signin-dialog");
// The page being shown: asked for its draft when a sign-in must leave the page.
let current = null;

function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const [domain = "", page = "", ...rest] = parts;
  return { domain, page, number: rest.length ? rest.join("/") : null };
}

export function href(domain, page, numberValue = null) {
  const tail = numberValue === null ? "" : `/${encodeURIComponent(numberValue)}`;
  return `#/${encodeURIComponent(domain)}/${page}${tail}`;
}

function signInForm({ again = false } = {}) {
  const hint = h("code", {}, "cache-api token --domain example.com");
  if (auth.usesProvider()) {
    return h("div", {},
      h("p", {}, again ? "Your sign-in has ended. Sign in again; what you typed is kept."
        : "Sign in to manage your numbers' fallbacks."),
      h("button", { type: "button", onclick: () => {
        if (current?.draft) auth.saveDraft(location.hash, current.draft());
        auth.signInWithProvider(location.hash || "#/");
      } }, `Sign in with ${auth.providerName()}`));
  }
  const textarea = h("textarea", { id: again ? "token-again" : "token", rows: 4, required: true,
    autocomplete: "off", spellcheck: "false", "aria-describedby": `${again ? "token-again" : "token"}-hint ${again ? "token-again" : "token"}-error` });
  const error = h("small", { class: "field-error", id: `${textarea.id}-error`, hidden: true });
  return h("form", { onsubmit: (event) => {
    event.preventDefault();
    try {
      auth.keep(textarea.value);
    } catch (problem) {
      error.textContent = problem.message;
      error.hidden = false;
      textarea.setAttribute("aria-invalid", "true");
      textarea.focus();
      return;
    }
    if (again) {
      dialog.close();
      renderNav();
      if (current?.resumed) current.resumed();
    } else {
      show();
    }
  } },
  again ? h("p", {}, "Your token has expired or was refused. Paste a new one; what you typed on the page is kept.") : null,
  h("label", { for: textarea.id }, "Bearer token"), textarea,
  h("small", { id: `${textarea.id}-hint` }, "Make one with ", hint,
    " (add --scope cache/read --scope cache/write as needed)."), error,
  h("button", { type: "submit" }, "Sign in"));
}

function renderSignIn() {
  nav.replaceChildren();
  current = null;
  fill(main, h("h1", {}, "Sign in"), signInForm());
  document.title = "Sign in · Cache console";
}

function renderNav(domain = route().domain) {
  const here = route().page;
  nav.replaceChildren(
    ...(domain ? NAV.map(([page, text]) => h("li", {}, h("a", {
      href: href(domain, page), "aria-current": page === here ? "page" : null }, text))) : []),
    h("li", {}, h("button", { type: "button", class: "secondary", onclick: async () => {
      await auth.signOut();
      location.hash = "#/";
      renderSignIn();
    } }, "Sign out")));
}

function domainChooser() {
  const domains = auth.grantedDomains();
  const any = domains.includes("*");
  const input = h("input", { id: "domain", type: "text", required: true, autocomplete: "off",
    list: "granted-domains" });
  return h("form", { onsubmit: (event) => {
    event.preventDefault();
    if (input.value.trim()) location.hash = href(input.value.trim().toLowerCase(), "numbers");
  } },
  h("label", { for: "domain" }, "Domain"), input,
  h("datalist", { id: "granted-domains" }, domains.filter((d) => d !== "*").map((d) => h("option", { value: d }))),
  h("small", {}, any ? "Your token grants every domain." : `Your token grants: ${domains.join(", ") || "no domain"}.`),
  h("button", { type: "submit" }, "Open"));
}

async function show() {
  if (!auth.token() || auth.expired()) {
    renderSignIn();
    return;
  }
  if (dialog.open) dialog.close();
  const { domain, page, number: numberValue } = route();
  if (!domain) {
    const domains = auth.grantedDomains().filter((d) => d !== "*");
    if (domains.length === 1 && !auth.grantedDomains().includes("*")) {
      location.replace(href(domains[0], "numbers"));
      return;
    }
    renderNav("");
    current = null;
    fill(main, h("h1", {}, "Choose a domain"), domainChooser());
    document.title = "Domain · Cache console";
    return;
  }
  renderNav(domain);
  const load = numberValue !== null && page === "numbers" ? PAGES.number
    : page !== "number" && PAGES[page];
  if (!load) {
    location.replace(href(domain, "numbers"));
    return;
  }
  const context = { domain, number: numberValue, href, draft: auth.takeDraft(location.hash) };
  current = {};
  try {
    const module = await load();
    main.replaceChildren();
    current = (await module.render(main, context)) || {};
  } catch (error) {
    main.append(status(error.message, "error"));
  }
  main.focus({ preventScroll: true });
}

whenUnauthorized(() => {
  // The page stays as it is, under the dialog: nothing typed is lost.
  fill(dialog.querySelector("article"), h("h2", { id: "signin-dialog-title" }, "Sign in again"), signInForm({ again: true }),
    h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Close"));
  if (!dialog.open) dialog.showModal();
});

async function start() {
  let failure = null;
  try {
    const config = await (await fetch("config.json", { cache: "no-store" })).json();
    await auth.configure(config);
    const returnTo = await auth.completeSignIn();
    if (returnTo !== null) history.replaceState(null, "", returnTo);
  } catch (error) {
    failure = `Sign-in failed: ${error.message}`;
  }
  window.addEventListener("hashchange", show);
  await show();
  if (failure) main.prepend(status(failure, "error"));
}

start();
