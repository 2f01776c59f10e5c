-- bench/perf-pipeline.lua: wrk script sending 16 GETs of / back to back per
-- round trip (HTTP/1.1 pipelining), as in issue #7's "pipelined 16 deep".
-- Usage: wrk -t1 -c50 -d5s -s bench/perf-pipeline.lua http://127.0.0.1:PORT/
local depth = 16
init = function(args)
  local r = {}
  for i = 1, depth do r[i] = wrk.format("GET", "/") end
  req = table.concat(r)
end
request = function() return req end
