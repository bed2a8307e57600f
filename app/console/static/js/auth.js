// The user's bearer token: kept in sessionStorage (this tab only, gone when it closes),
// never in a URL or localStorage. With an OpenID provider configured, oidc-client-ts
// gets it by the authorization code flow with PKCE; otherwise the user pastes one.

import { loadScript } from "./dom.js";

const TOKEN_KEY = "cache-console.token";
const DRAFT_KEY = "cache-console.draft";

let manager = null;
let settings = null;

/** The token's claims, decoded but not verified (the API verifies it on every call). */
export function claims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const text = new TextDecoder().decode(
      Uint8Array.from(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "=")),
        (c) => c.charCodeAt(0)));
    const value = JSON.parse(text);
    return value && typeof value === "object" ? value : null;
  } catch {
    return null;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keep a token, refusing what is not a JWT; returns its claims. */
export function keep(value) {
  const trimmed = value.trim().replace(/^Bearer\s+/i, "");
  const decoded = claims(trimmed);
  if (!decoded) throw new Error("This is not a token: a token has three parts separated by dots.");
  if (typeof decoded.exp === "number" && decoded.exp * 1000 <= Date.now()) {
    throw new Error("This token has expired: make a new one.");
  }
  sessionStorage.setItem(TOKEN_KEY, trimmed);
  return decoded;
}

/** The domains the token grants ("*" for any), as its `domains` claim says. */
export function grantedDomains() {
  const value = token() && claims(token());
  return Array.isArray(value?.domains) ? value.domains.filter((d) => typeof d === "string") : [];
}

export function expired() {
  const value = token() && claims(token());
  return !value || (typeof value.exp === "number" && value.exp * 1000 <= Date.now());
}

export async function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  if (manager) await manager.removeUser();
}

// --- OpenID Connect ---------------------------------------------------------------

/** Set up the provider's client when config.json names one; true if it does. */
export async function configure(config) {
  settings = config.oidc;
  if (!settings) return false;
  await loadScript("vendor/oidc-client-ts.min.js");
  const store = new window.oidc.WebStorageStateStore({ store: window.sessionStorage });
  manager = new window.oidc.UserManager({
    authority: settings.issuer,
    client_id: settings.clientId,
    redirect_uri: new URL("./", location.href).href.split("?")[0].split("#")[0],
    response_type: "code",
    scope: settings.scope,
    // Both stores in sessionStorage: by default the sign-in state goes to localStorage.
    userStore: store,
    stateStore: store,
    automaticSilentRenew: false,
    monitorSession: false,
    loadUserInfo: false,
  });
  return true;
}

export function usesProvider() {
  return Boolean(manager);
}

export function providerName() {
  return settings ? new URL(settings.issuer).host : "";
}

/** Leave for the provider's sign-in page; come back to `returnTo` (a #route). */
export async function signInWithProvider(returnTo) {
  await manager.signinRedirect({ state: { returnTo } });
}

/** On the way back from the provider (?code=&state=): keep its token, return the route. */
export async function completeSignIn() {
  const query = new URLSearchParams(location.search);
  if (!manager || !query.has("state") || !(query.has("code") || query.has("error"))) return null;
  try {
    const user = await manager.signinRedirectCallback();
    keep(settings.token === "id_token" ? user.id_token : user.access_token);
    return user.state?.returnTo || "#/";
  } finally {
    // The code and state leave the address bar (and the history) at once.
    history.replaceState(null, "", location.pathname + location.hash);
  }
}

// --- what the user was typing, across a sign-in that leaves the page ---------------

export function saveDraft(route, draft) {
  sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ route, draft }));
}

/** The draft saved for `route`, once (it is forgotten when read). */
export function takeDraft(route) {
  const saved = sessionStorage.getItem(DRAFT_KEY);
  if (!saved) return null;
  sessionStorage.removeItem(DRAFT_KEY);
  try {
    const { route: savedRoute, draft } = JSON.parse(saved);
    return savedRoute === route ? draft : null;
  } catch {
    return null;
  }
}
