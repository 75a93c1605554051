-- wrk reporter for load.sh: one machine-readable line with exact totals.
-- Times are in microseconds; "status" counts answers that were not 2xx/3xx.

-- Paced runs (WARDEN_BENCH_PACE_MS > 0): each connection waits that many
-- milliseconds after each answer before it sends the next request.
local pace = tonumber(os.getenv("WARDEN_BENCH_PACE_MS") or "0") or 0
if pace > 0 then
  delay = function()
    return pace
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WARDEN_BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d status=%d socket=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
