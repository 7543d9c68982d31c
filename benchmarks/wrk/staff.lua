-- GET one staff page again and again with a logged-in session (benchmarks/staff.py), or POST
-- one form (an htmx request: the broadcast composer's live counts).
--   wrk -t N -c N -s benchmarks/wrk/staff.lua URL -- PATH COOKIE [BODY CSRF]
-- COOKIE is the whole Cookie header ("twc_staff=..."); PATH is sent as it is (already encoded).
-- With BODY (form-encoded, already encoded) the request is a POST with the session's CSRF token
-- in the X-CSRF-Token header, as htmx sends it from <body hx-headers>.
dofile("benchmarks/wrk/common.lua")

local path = "/staff/"
local method = "GET"
local body = nil
local headers = {}

function init(args)
  path = args[1] or path
  headers["Cookie"] = args[2]
  if args[3] ~= nil and args[3] ~= "" then
    method = "POST"
    body = args[3]
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["X-CSRF-Token"] = args[4]
    headers["HX-Request"] = "true"
  end
end

function request()
  if probe then
    return probe_request()
  end
  return wrk.format(method, path, headers, body)
end

-- The login page instead of the one asked for: the session was not accepted.
function is_suspect(body)
  return body:find('name="password"', 1, true) ~= nil
end
