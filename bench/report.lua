-- wrk script: prints one JSON line with the latency percentiles and the error counts.
-- No response() callback: with one, wrk hands every response's headers and body to Lua, which
-- took 5-9 % of the pages served (wrk shares the server's two cores). wrk counts answers with a
-- status of 400 or more itself (summary.errors.status); a redirect (to the login page, say) is
-- caught by bench/run.py, which checks each page before and after its run.
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.2f, "rps": %.2f, "p50_ms": %.2f, "p90_ms": %.2f, ' ..
    '"p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "mean_ms": %.2f, "non_2xx": %d, "socket_errors": %d, "timeouts": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.timeout))
end
