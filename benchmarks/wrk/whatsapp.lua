-- POST /webhooks/twilio/whatsapp: Twilio's signed inbound forms, precomputed by
-- benchmarks/http.py (signatures differ per body) in one file per thread:
-- ``<PREFIX>-<tid>.txt``, one request a line: X-Twilio-Signature, a tab, the form body.  The
-- lines are whole onboardings in order, so this connection plays fresh people one by one.
--   wrk -t N -c N -s benchmarks/wrk/whatsapp.lua URL -- PREFIX [DELAY_MS]
-- DELAY_MS (optional): each connection waits that long before its next request (a paced
-- sender, as benchmarks/flood.py's "125/s" flood; wrk has no rate option of its own).
-- Running out of lines starts over (the bot then sees duplicates): counted in ``suspect``.
dofile("benchmarks/wrk/common.lua")

local lines = {}
local index = 0
local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
local wrapped = false
local pause = 0

function init(args)
  pause = tonumber(args[2] or "0") or 0
  local path = string.format("%s-%d.txt", args[1], tid)
  for line in io.lines(path) do
    local tab = line:find("\t", 1, true)
    table.insert(lines, {line:sub(1, tab - 1), line:sub(tab + 1)})
  end
end

function request()
  if probe then
    return probe_request()
  end
  index = index + 1
  if index > #lines then
    index = 1
    wrapped = true
  end
  headers["X-Twilio-Signature"] = lines[index][1]
  return wrk.format("POST", "/webhooks/twilio/whatsapp", headers, lines[index][2])
end

function delay()
  return pause
end

function is_suspect(body)
  return wrapped
end
