-- refresh_token grant with rotation (RFC 6749 §6, RFC 9700 §4.14.2). This thread's share of
-- the pre-issued pool is a queue: each request takes the token at the front, the rotated
-- token from the answer goes to the back, so every refresh token is sent exactly once.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")
setup, done = common.setup, common.done

local config, tokens, headers

function init(args)
  config = common.read_config(args[1])
  tokens = common.queue(common.read_share(config.pool, thread_index, common.thread_count(config)))
  headers = { Authorization = config.basic }
  common.install_pacing(config)
end

function request()
  local token = common.pop(tokens)
  if not token then
    starved = starved + 1
    token = "pool-ran-dry"
  end
  return common.form_post(config.token_path, headers,
    "grant_type=refresh_token&refresh_token=" .. common.url_encode(token))
end

function response(status, _, body)
  local rotated = status == 200 and common.json_string(body, "refresh_token")
  if rotated then
    common.push(tokens, rotated)
  else
    bad = bad + 1
  end
end
