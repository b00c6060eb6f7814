-- client_credentials grant (RFC 6749 §4.4) with client_secret_basic: expect 200 and a token.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")
setup, done = common.setup, common.done

local req

function init(args)
  local config = common.read_config(args[1])
  req = common.form_post(config.token_path, { Authorization = config.basic },
    "grant_type=client_credentials")
  common.install_pacing(config)
end

function request()
  return req
end

function response(status, _, body)
  if status ~= 200 or not body:find('"access_token"', 1, true) then bad = bad + 1 end
end
