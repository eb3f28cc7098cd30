-- Replays a list of requests (one per line: path TAB cookie header) across wrk's threads and connections.
-- Each connection starts at its own offset, so 32 connections act as many users at once.
local requests = {}
local counter = 0
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  local f = assert(io.open(args[1], "r"))
  for line in f:lines() do
    local path, cookie = line:match("^([^\t]+)\t(.*)$")
    if path then
      requests[#requests + 1] = wrk.format("GET", path, {["Cookie"] = cookie})
    end
  end
  f:close()
  counter = math.random(#requests)
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end

bad = 0
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests_)
  local not_ok = 0
  for _, t in ipairs(threads) do not_ok = not_ok + (t:get("bad") or 0) end
  io.write(string.format("NOT200 %d\n", not_ok))
  -- wrk counts non-2xx/3xx only; a redirect to the login page would be a 302, so report status != 200 too.
  io.write(string.format("LATENCY p50=%.1f p90=%.1f p99=%.1f max=%.1f\n", latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
