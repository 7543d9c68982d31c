-- POST /simulator/api/messages: one onboarding (8 messages, benchmarks/onboarding.py script())
-- per fresh user, users one after the other on this thread's connection.
--   wrk -t N -c N -s benchmarks/wrk/simulator.lua URL -- RUN_PREFIX
dofile("benchmarks/wrk/common.lua")

local steps = {
  {"text", "Hallo"},
  {"choice", "onboarding.choose_language:ar"},
  {"choice", "onboarding.privacy_notice:yes"},
  {"text", "Amina"},
  {"choice", "onboarding.ask_town:t1"},
  {"choice", "onboarding.ask_interests:course"},
  {"choice", "onboarding.ask_interests:done"},
  {"choice", "onboarding.ask_support:done"},
}
local headers = {["Content-Type"] = "application/json"}
local prefix = "bench"
local number = 0
local step = #steps
local user = nil

function init(args)
  prefix = args[1] or prefix
end

function request()
  if probe then
    return probe_request()
  end
  if step >= #steps then
    number = number + 1
    user = string.format("%s-%d-%d", prefix, tid, number)
    step = 0
  end
  step = step + 1
  local kind, value = steps[step][1], steps[step][2]
  local body = string.format('{"user":%s,"id":%s,%s:%s}', q(user), q(user .. "-" .. step),
    q(kind), q(value))
  return wrk.format("POST", "/simulator/api/messages", headers, body)
end

-- No reply at all, or "already handled": not a fresh onboarding turn.
function is_suspect(body)
  return body:find('"replies":[]', 1, true) ~= nil
    or body:find('"duplicate":true', 1, true) ~= nil
end
