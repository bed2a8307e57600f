/**
 * The TypeScript client against a live server (started by tests/clients/test_typescript_client.py,
 * which passes its URL and tokens in CACHE_TEST_*): the README's walkthrough, the platform's
 * call-time decision, and an export then import. Compiled by tsc with the generated types, so a
 * path, parameter or field the specs do not have fails before it runs.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { createCacheClient, ProblemError, type components } from "../src/index.js";

function setting(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} is not set`);
  return value;
}

const baseUrl = setting("CACHE_TEST_URL");
const customer = createCacheClient({ baseUrl, token: setting("CACHE_TEST_TOKEN") });
const platform = createCacheClient({ baseUrl, token: () => setting("CACHE_TEST_PLATFORM_TOKEN") });
const domain = "example.com";

const forward: components["schemas"]["FallbackSettings"] = {
  mode: "onError",
  expiration: "WEEK",
  command: {
    action: { type: "call", destAddr: "sip:desk@pbx.example.com", maxRingTime: 30 },
    phrases: [{ fileName: "closed.wav", format: "wav" }],
  },
};

/** The ProblemError that `call` rejects with. */
async function refusal(call: () => Promise<unknown>): Promise<ProblemError> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof ProblemError, `not a ProblemError: ${error}`);
    assert.equal(error.problem?.success, false);
    return error;
  }
  assert.fail("the call was not refused");
}

test("the README's walkthrough", async () => {
  const number = "+46701234567";
  const entry = { params: { path: { domain, number } } };

  const set = await customer.POST("/cache/{domain}/ivrfallback/{number}", { ...entry, body: forward });
  assert.deepEqual(set.data, { success: true });

  const read = await customer.GET("/cache/{domain}/ivrfallback/{number}", entry);
  assert.equal(read.data?.data.mode, "onError");
  assert.deepEqual(read.data?.data.command, forward.command);
  assert.equal(typeof read.data?.data.ttl, "number");
  assert.match(read.response.headers.get("ETag") ?? "", /^"\d+"$/);

  const listed = await customer.GET("/cache/{domain}/ivrfallback", { params: { path: { domain } } });
  assert.deepEqual(listed.data?.data, [number]);

  const deleted = await customer.DELETE("/cache/{domain}/ivrfallback/{number}", entry);
  assert.deepEqual(deleted.data, { success: true });
  const again = await refusal(() => customer.DELETE("/cache/{domain}/ivrfallback/{number}", entry));
  assert.equal(again.status, 404);

  const before = await customer.GET("/cache/{domain}/siprecfallback/{number}", entry);
  assert.deepEqual(before.data, { inCache: false });
  const put = await platform.POST("/platform/{domain}/siprecfallback/{number}", entry);
  assert.deepEqual(put.data, { success: true });
  const after = await customer.GET("/cache/{domain}/siprecfallback/{number}", entry);
  assert.deepEqual(after.data, { inCache: true });

  const wrong = await refusal(() => customer.POST("/cache/{domain}/ivrfallback/{number}", {
    ...entry,
    body: { mode: "always", command: { action: { type: "hangup", destAddr: "sip:x@y" } } },
  }));
  assert.equal(wrong.status, 400);
  assert.deepEqual(wrong.fields, ["command.action.destAddr"]);
  assert.match(wrong.detail, /only a 'call' action may carry it/);
  await customer.DELETE("/cache/{domain}/siprecfallback/{number}", entry);
});

test("the platform's call-time decision", async () => {
  const number = "+46700000001";
  const path = { domain, number };
  await customer.POST("/cache/{domain}/ivrfallback/{number}", { params: { path }, body: forward });
  const decision = "/platform/{domain}/ivrfallback/{number}/decision" as const;

  const failed = await platform.GET(decision, { params: { path, query: { outcome: "timeout" } } });
  const answered = await platform.GET(decision, { params: { path, query: { outcome: "answered" } } });
  const absent = await platform.GET(decision, {
    params: { path: { domain, number: "+46700000002" }, query: { outcome: "error", status: 503 } },
  });

  assert.equal(failed.data?.apply, true);
  assert.equal(failed.data?.reason, "customer-failed");
  assert.deepEqual(failed.data?.command, forward.command);
  assert.deepEqual(answered.data, { apply: false, reason: "customer-answered" });
  assert.deepEqual(absent.data, { apply: false, reason: "no-entry" });
  const bad = await refusal(() => platform.GET(decision, {
    params: { path, query: { outcome: "error", status: 99 } },
  }));
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.fields, ["status"]);
  const forbidden = await refusal(() => customer.GET(decision, {
    params: { path, query: { outcome: "timeout" } },
  }));
  assert.equal(forbidden.status, 403);
  await customer.DELETE("/cache/{domain}/ivrfallback/{number}", { params: { path } });
});

test("an export, then an import of it", async () => {
  const numbers = ["+46700000011", "+46700000012"];
  for (const number of numbers) {
    await customer.POST("/cache/{domain}/ivrfallback/{number}", {
      params: { path: { domain, number } }, body: forward,
    });
  }
  const exported = await customer.GET("/manage/{domain}/ivrfallback/export", { params: { path: { domain } } });
  assert.deepEqual(exported.data?.entries.map((entry) => entry.number), numbers);
  for (const number of numbers) {
    await customer.DELETE("/cache/{domain}/ivrfallback/{number}", { params: { path: { domain, number } } });
  }
  const body = { entries: exported.data?.entries ?? [] };

  const checked = await customer.POST("/manage/{domain}/ivrfallback/import", {
    params: { path: { domain }, query: { dryRun: true } }, body,
  });
  const empty = await customer.GET("/cache/{domain}/ivrfallback", { params: { path: { domain } } });
  const imported = await customer.POST("/manage/{domain}/ivrfallback/import", {
    params: { path: { domain } }, body,
  });
  const again = await customer.GET("/manage/{domain}/ivrfallback/export", { params: { path: { domain } } });

  assert.deepEqual(checked.data?.results.map((result) => result.written), [false, false]);
  assert.deepEqual(empty.data?.data, []);
  assert.equal(imported.data?.success, true);
  assert.deepEqual(imported.data?.results.map((result) => [result.number, result.written]),
                   numbers.map((number) => [number, true]));
  assert.deepEqual(again.data, exported.data);
  const refused = await refusal(() => customer.POST("/manage/{domain}/ivrfallback/import", {
    params: { path: { domain } }, body: { entries: [] },
  }));
  assert.deepEqual([refused.status, refused.fields], [400, ["entries"]]);
});

test("an If-Match write of a stale version is a 412 carrying the current ETag", async () => {
  const number = "+46700000021";
  const entry = { params: { path: { domain, number } } };
  await customer.POST("/cache/{domain}/ivrfallback/{number}", { ...entry, body: forward });
  const version = (await customer.GET("/cache/{domain}/ivrfallback/{number}", entry)).response.headers.get("ETag") ?? "";

  await customer.POST("/cache/{domain}/ivrfallback/{number}", {
    params: { ...entry.params, header: { "If-Match": version } }, body: forward,
  });
  const stale = await refusal(() => customer.POST("/cache/{domain}/ivrfallback/{number}", {
    params: { ...entry.params, header: { "If-Match": version } }, body: forward,
  }));

  assert.equal(stale.status, 412);
  assert.notEqual(stale.etag, version);
  assert.equal(stale.etag, (await customer.GET("/cache/{domain}/ivrfallback/{number}", entry)).response.headers.get("ETag"));
  await customer.DELETE("/cache/{domain}/ivrfallback/{number}", entry);
});

test("a GET answered 503 is sent again after Retry-After; a POST is not", async () => {
  const down = createCacheClient({
    baseUrl: setting("CACHE_TEST_DOWN_URL"), token: setting("CACHE_TEST_TOKEN"), retries: 1,
    maxRetryWait: 0.2,
  });
  const entry = { params: { path: { domain, number: "+46700000031" } } };

  const read = await refusal(() => down.GET("/cache/{domain}/ivrfallback/{number}", entry));
  const write = await refusal(() => down.POST("/cache/{domain}/ivrfallback/{number}", {
    ...entry, body: forward,
  }));

  assert.deepEqual([read.status, write.status], [503, 503]);
  assert.match(read.headers.get("Retry-After") ?? "", /^\d+$/);
});
