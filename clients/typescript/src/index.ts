/**
 * TypeScript client of the cache's three APIs (`/cache`, `/platform`, `/manage`).
 *
 * `generated/schema.ts` is written by `python tools/generate_clients.py` (openapi-typescript)
 * and never edited; openapi-fetch makes the typed calls from it. This file is the
 * hand-written layer: the token, one error type, and retries of idempotent calls on 503.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, operations, paths } from "./generated/schema.js";

export type { components, operations, paths };
export type Problem = components["schemas"]["Problem"];
export type FieldError = components["schemas"]["FieldError"];
export type CacheClient = Client<paths>;

export interface CacheClientOptions {
  /** The server's root, e.g. `https://cache.example.com` (paths start with /cache, /platform, /manage). */
  baseUrl: string;
  /** A JWT, or a function returning one (called for each request; cache it until it nears expiry). */
  token: string | (() => string | Promise<string>);
  /** How many times a GET, HEAD, OPTIONS or DELETE answered 503 is sent again (default 2). */
  retries?: number;
  /** The longest wait, in seconds, for a `Retry-After` (default 30). */
  maxRetryWait?: number;
  /** The fetch to send with (default: the runtime's own). */
  fetch?: (request: Request) => Promise<Response>;
}

/** The server answered 400 or more; `problem` is its application/problem+json document. */
export class ProblemError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldError[];
  readonly problem: Problem | undefined;
  readonly headers: Headers;

  constructor(status: number, title: string, detail: string, errors: FieldError[],
              problem: Problem | undefined, headers: Headers) {
    super(`${status} ${title}: ${detail}`);
    this.name = "ProblemError";
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
    this.problem = problem;
    this.headers = headers;
  }

  /** The current version's `ETag` (a 412 carries it). */
  get etag(): string | null {
    return this.headers.get("ETag");
  }

  /** The names of the wrong fields, in the server's order. */
  get fields(): string[] {
    return this.errors.map((error) => error.field);
  }

  /** The error for an answer of 400 or more; reads its body. */
  static async fromResponse(response: Response): Promise<ProblemError> {
    const text = await response.text();
    const mediaType = (response.headers.get("Content-Type") ?? "").split(";")[0]?.trim();
    if (mediaType === "application/problem+json") {
      try {
        const problem = JSON.parse(text) as Problem;
        if (typeof problem.status === "number" && typeof problem.detail === "string") {
          return new ProblemError(problem.status, problem.title, problem.detail,
                                  problem.errors ?? [], problem, response.headers);
        }
      } catch {
        // A malformed problem document: keep what the answer says, below.
      }
    }
    return new ProblemError(response.status, response.statusText, text, [], undefined,
                            response.headers);
  }
}

// Sending one of these again changes nothing the first did not, so a 503 (the cache's
// database unreachable: nothing was done) may be retried. POST never is: a repeated set
// or import would add versions to the entry's history.
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "DELETE"]);

/** Seconds to wait before the next attempt, from `Retry-After` (seconds or a date) or a backoff. */
function retryDelay(response: Response, attempt: number, maxWait: number): number {
  const header = response.headers.get("Retry-After")?.trim() ?? "";
  let wait = 0.5 * 2 ** attempt;
  if (/^\d+$/.test(header)) {
    wait = Number(header);
  } else if (header && !Number.isNaN(Date.parse(header))) {
    wait = Math.max(0, (Date.parse(header) - Date.now()) / 1000);
  }
  return Math.min(wait, maxWait);
}

function retrying(send: (request: Request) => Promise<Response>, retries: number,
                  maxWait: number): (request: Request) => Promise<Response> {
  return async (request) => {
    if (!IDEMPOTENT_METHODS.has(request.method)) {
      return send(request);
    }
    for (let attempt = 0; ; attempt++) {
      const response = await send(request.clone());
      if (response.status !== 503 || attempt >= retries) {
        return response;
      }
      await response.body?.cancel();
      const wait = retryDelay(response, attempt, maxWait);
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
  };
}

/** A typed client of the three APIs: `client.GET("/cache/{domain}/ivrfallback/{number}", ...)`. */
export function createCacheClient(options: CacheClientOptions): CacheClient {
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    fetch: retrying(send, options.retries ?? 2, options.maxRetryWait ?? 30),
  });
  const layer: Middleware = {
    async onRequest({ request }) {
      const token = typeof options.token === "function" ? await options.token() : options.token;
      request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
    async onResponse({ response }) {
      if (response.status >= 400) {
        throw await ProblemError.fromResponse(response);
      }
      return response;
    },
  };
  client.use(layer);
  return client;
}
