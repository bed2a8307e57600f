-- wrk script for benchmarks/run.py: one request shape per case, random keys from the seed.
--
--   wrk -t2 -c32 -d10s --timeout 30s -s benchmarks/load.lua http://127.0.0.1:PORT -- \
--       CASE TOKEN DOMAINS NUMBERS_PER_DOMAIN NUMBER_PREFIX BIG_DOMAIN POST_BODY [PAUSE_MS]
--
-- CASE: get | orm-get (the yardstick's ORM reference) | decision | post | list1k |
-- list100k | healthz | preflight. PAUSE_MS (default 0, none): each connection waits a
-- random pause of this mean (exponential) before each request, so that the connections
-- together send a steady rate rather than as much as the server takes.
-- Keys are drawn uniformly from the seeded ranges (benchmarks/seed.py), so every
-- GET finds its entry and every POST overwrites one. At the end it prints one line,
-- "BENCH_JSON {...}", with the counts and latency percentiles (microseconds).
-- wrk counts every answer with a status of 400 or more in errors.status.

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
end

function init(args)
  case = args[1]
  domains = tonumber(args[3])
  numbers_per_domain = tonumber(args[4])
  number_prefix = args[5]
  big_domain = args[6]
  post_body = args[7]
  pause_ms = tonumber(args[8] or "0")
  auth = { ["Authorization"] = "Bearer " .. args[2] }
  json_auth = { ["Authorization"] = "Bearer " .. args[2], ["Content-Type"] = "application/json" }
  preflight = {
    ["Origin"] = "https://portal.example.com",
    ["Access-Control-Request-Method"] = "GET",
  }
  math.randomseed(os.time() * 100 + (thread_id or 0))
end

local function key()
  local domain = string.format("d%d.example.com", math.random(0, domains - 1))
  local number = string.format("%s%06d", number_prefix, math.random(0, numbers_per_domain - 1))
  return domain, number
end

-- wrk calls delay() before each request when the script defines it: the pacing.
function delay()
  if pause_ms <= 0 then
    return 0
  end
  return -math.log(1 - math.random()) * pause_ms
end

function request()
  if case == "get" then
    local domain, number = key()
    return wrk.format("GET", "/cache/" .. domain .. "/ivrfallback/" .. number, auth)
  elseif case == "orm-get" then
    local domain, number = key()
    return wrk.format("GET", "/orm/cache/" .. domain .. "/ivrfallback/" .. number, auth)
  elseif case == "decision" then
    local domain, number = key()
    return wrk.format("GET", "/platform/" .. domain .. "/ivrfallback/" .. number
      .. "/decision?outcome=timeout", auth)
  elseif case == "post" then
    local domain, number = key()
    return wrk.format("POST", "/cache/" .. domain .. "/ivrfallback/" .. number, json_auth, post_body)
  elseif case == "list1k" then
    local domain = key()
    return wrk.format("GET", "/cache/" .. domain .. "/ivrfallback", auth)
  elseif case == "list100k" then
    return wrk.format("GET", "/cache/" .. big_domain .. "/ivrfallback", auth)
  elseif case == "healthz" then
    return wrk.format("GET", "/healthz")
  elseif case == "preflight" then
    local domain, number = key()
    return wrk.format("OPTIONS", "/cache/" .. domain .. "/ivrfallback/" .. number, preflight)
  end
  error("unknown case " .. tostring(case))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean))
end
