-- Discovery or JWKS: GET one path, expect 200.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")
setup, done = common.setup, common.done

local req

function init(args)
  local config = common.read_config(args[1])
  req = wrk.format("GET", config.path)
  common.install_pacing(config)
end

function request()
  return req
end

function response(status)
  if status ~= 200 then bad = bad + 1 end
end
