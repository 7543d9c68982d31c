-- Shared by simulator.lua, telegram.lua and whatsapp.lua (loaded with dofile, cwd = the repo).
--
-- benchmarks/http.py runs wrk with as many threads as connections, so each Lua state drives
-- exactly one connection: request() is called again only after the previous answer arrived,
-- and one person's messages go strictly in order.  ``tid`` (set in setup) numbers the threads.
--
-- wrk calls request() once on thread 0 before the run, only to check the script (never sent):
-- setup() marks that thread with ``probe`` and its scripts answer that call with probe_request(),
-- so its first person does not lose her first message.
--
-- Every thread counts 2xx answers (``ok``), other statuses (``non2xx``) and answers its script
-- flags as not a real turn (``suspect``, e.g. a duplicate); done() prints one BENCH-RESULT line
-- with the totals and the latency percentiles (microseconds) for benchmarks/http.py to parse.

local threads = {}
local count = 0

ok = 0
non2xx = 0
suspect = 0
tid = 0
probe = false

function setup(thread)
  thread:set("tid", count)
  thread:set("probe", count == 0)
  count = count + 1
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    if is_suspect ~= nil and is_suspect(body) then
      suspect = suspect + 1
    end
  else
    non2xx = non2xx + 1
  end
end

-- What thread 0 answers wrk's one check of the script before the run (it is never sent).
function probe_request()
  probe = false
  return wrk.format("GET", "/healthz")
end

-- A JSON string literal for ASCII text without quotes or backslashes (all our values).
function q(text)
  return '"' .. text .. '"'
end

function done(summary, latency, requests)
  local total_ok, total_bad, total_suspect = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_bad = total_bad + thread:get("non2xx")
    total_suspect = total_suspect + thread:get("suspect")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH-RESULT duration_us=%d requests=%d ok=%d non2xx=%d suspect=%d connect=%d read=%d"
      .. " write=%d timeout=%d p50_us=%d p95_us=%d p99_us=%d max_us=%d mean_us=%d\n",
    summary.duration, summary.requests, total_ok, total_bad, total_suspect, e.connect, e.read,
    e.write, e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
