-- Introspection (RFC 7662) of valid access tokens, round-robin over this thread's share of
-- the pool, by a confidential client: expect 200 and "active": true.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")
setup, done = common.setup, common.done

local reqs, next_req = {}, 0

function init(args)
  local config = common.read_config(args[1])
  local tokens = common.read_share(config.pool, thread_index, common.thread_count(config))
  for i, token in ipairs(tokens) do
    reqs[i] = common.form_post(config.introspect_path, { Authorization = config.basic },
      "token=" .. common.url_encode(token) .. "&token_type_hint=access_token")
  end
  common.install_pacing(config)
end

function request()
  next_req = next_req % #reqs + 1
  return reqs[next_req]
end

function response(status, _, body)
  if status ~= 200 or not body:find('"active"%s*:%s*true') then bad = bad + 1 end
end
