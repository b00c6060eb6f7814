-- Password sign-in (Argon2id) against a standing interaction: expect a redirect onwards.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")
setup, done = common.setup, common.done

local req

function init(args)
  local config = common.read_config(args[1])
  req = common.form_post(config.login_path, { Cookie = config.login_cookie }, config.login_body)
  common.install_pacing(config)
end

function request()
  return req
end

function response(status)
  if status ~= 302 and status ~= 303 then bad = bad + 1 end
end
