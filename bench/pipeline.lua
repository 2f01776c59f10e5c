-- bench/pipeline.lua: wrk sends 16 pipelined `GET /` requests in one write
-- per batch, and sends the next batch once all 16 answers are in.
-- `wrk -s bench/pipeline.lua ...`; wrk counts each answer as a request.
-- (wrk's own scripts/pipeline.lua does the same with three paths.)
local depth = 16

init = function(args)
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format("GET", "/")
  end
  req = table.concat(r)
end

request = function()
  return req
end
