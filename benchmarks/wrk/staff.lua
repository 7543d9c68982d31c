-- GET one staff page again and again with a logged-in session (benchmarks/staff.py).
--   wrk -t N -c N -s benchmarks/wrk/staff.lua URL -- PATH COOKIE
-- COOKIE is the whole Cookie header ("twc_staff=..."); PATH is sent as it is (already encoded).
dofile("benchmarks/wrk/common.lua")

local path = "/staff/"
local headers = {}

function init(args)
  path = args[1] or path
  headers["Cookie"] = args[2]
end

function request()
  if probe then
    return probe_request()
  end
  return wrk.format("GET", path, headers)
end

-- The login page instead of the one asked for: the session was not accepted.
function is_suspect(body)
  return body:find('name="password"', 1, true) ~= nil
end
