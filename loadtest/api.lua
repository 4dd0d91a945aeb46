-- wrk script for the load test: one request shape per run, set by the environment.
--   LOADTEST_METHOD (GET or POST), LOADTEST_TOKEN (bearer token, optional), LOADTEST_BODY (JSON).
-- At the end it prints one line "LOADTEST {json}" with the percentiles wrk's own summary lacks (p95).
wrk.method = os.getenv("LOADTEST_METHOD") or "GET"
local token = os.getenv("LOADTEST_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
local body = os.getenv("LOADTEST_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'LOADTEST {"requests": %d, "seconds": %.2f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, ' ..
    '"max_ms": %.2f, "non_2xx": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, errors.status, errors.connect, errors.read, errors.write,
    errors.timeout))
end
