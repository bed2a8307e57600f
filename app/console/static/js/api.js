// Every console action is one of these calls, with the user's bearer token: the public
// API under /cache and the management API under /manage (openapi/*.yaml).

import { token } from "./auth.js";

/** A refused call: `status`, and the problem+json document (`detail`, `errors`). */
export class ApiError extends Error {
  constructor(status, problem, headers) {
    super(problem?.detail || `The service answered ${status}.`);
    this.status = status;
    this.problem = problem || {};
    this.headers = headers;
  }

  /** {field: message} of the problem's `errors`. */
  get fieldErrors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

let onUnauthorized = () => {};

/** What to do when the service says the token no longer works (401). */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/** A path segment: percent-encoded, and `.`/`..` (valid numbers) kept from being dot segments. */
export function segment(value) {
  const encoded = encodeURIComponent(value);
  return encoded === "." || encoded === ".." ? encoded.replace(/\./g, "%2E") : encoded;
}

export function ivrPath(domain, number = null, tail = "") {
  return `/cache/${segment(domain)}/ivrfallback${number === null ? "" : `/${segment(number)}`}${tail}`;
}

export function managePath(domain, rest) {
  return `/manage/${segment(domain)}/${rest}`;
}

/**
 * Call the API: resolves to {data, etag, status}; rejects with an ApiError for any
 * status but 2xx (and tells the 401 handler first).
 */
export async function call(method, path, { body, headers = {}, query } = {}) {
  const url = query ? `${path}?${new URLSearchParams(query)}` : path;
  const sent = { Authorization: `Bearer ${token() || ""}`, ...headers };
  if (body !== undefined) sent["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers: sent,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
    credentials: "omit",
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data, response.headers);
    if (response.status === 401) onUnauthorized(error);
    throw error;
  }
  return { data, etag: response.headers.get("ETag"), status: response.status };
}
