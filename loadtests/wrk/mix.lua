-- The mixed profile: password logins, authorization-code exchanges over a session, refresh
-- grants with rotation, introspection and userinfo with user access tokens, drawn at
-- random with the weights run.py derives from the stated assumptions (config: weights).
-- An authorize answer queues its code exchange, which this thread sends next. Answers are
-- recognised by content (wrk does not say which request an answer belongs to).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")
setup, done = common.setup, common.done

local config, kinds, cumulative, total_weight
local refresh_tokens, codes
local access_tokens, access_next, ACCESS_RING = {}, 0, 64
local login_req, authorize_req, web, rs, code_body

function init(args)
  config = common.read_config(args[1])
  local count = common.thread_count(config)
  refresh_tokens = common.queue(common.read_share(config.refresh_pool, thread_index, count))
  for _, token in ipairs(common.read_share(config.access_pool, thread_index, count)) do
    access_tokens[#access_tokens + 1] = token
  end
  codes = common.queue()
  kinds, cumulative, total_weight = {}, {}, 0
  for kind, weight in config.weights:gmatch("(%w+):([%d.]+)") do
    total_weight = total_weight + tonumber(weight)
    kinds[#kinds + 1] = kind
    cumulative[#cumulative + 1] = total_weight
  end
  login_req = common.form_post(config.login_path, { Cookie = config.login_cookie }, config.login_body)
  authorize_req = wrk.format("GET", config.authorize_path, { Cookie = config.session_cookie })
  web = { Authorization = config.web_basic }
  rs = { Authorization = config.rs_basic }
  code_body = "grant_type=authorization_code&redirect_uri=" .. common.url_encode(config.redirect_uri)
    .. "&code_verifier=" .. common.url_encode(config.verifier) .. "&code="
  math.randomseed(thread_index * 7919)
  common.install_pacing(config)
end

local function remember_access_token(token)
  if #access_tokens < ACCESS_RING then
    access_tokens[#access_tokens + 1] = token
  else
    access_next = access_next % ACCESS_RING + 1
    access_tokens[access_next] = token
  end
end

local function some_access_token()
  return access_tokens[math.random(#access_tokens)]
end

local builders = {
  login = function() return login_req end,
  authorize = function() return authorize_req end,
  refresh = function()
    local token = common.pop(refresh_tokens)
    if not token then
      starved = starved + 1
      token = "pool-ran-dry"
    end
    return common.form_post(config.token_path, web,
      "grant_type=refresh_token&refresh_token=" .. common.url_encode(token))
  end,
  introspect = function()
    return common.form_post(config.introspect_path, rs,
      "token=" .. common.url_encode(some_access_token()) .. "&token_type_hint=access_token")
  end,
  userinfo = function()
    return wrk.format("GET", config.userinfo_path,
      { Authorization = "Bearer " .. some_access_token() })
  end,
}

function request()
  local code = common.pop(codes)
  if code then
    return common.form_post(config.token_path, web, code_body .. code)
  end
  local draw = math.random() * total_weight
  for i, bound in ipairs(cumulative) do
    if draw <= bound then return builders[kinds[i]]() end
  end
  return builders[kinds[#kinds]]()
end

function response(status, headers, body)
  if status == 302 or status == 303 then
    -- an authorize answer carries a code; a login answer goes on to resume the request
    local location = common.header(headers, "location") or ""
    local code = location:match("[?&]code=([^&]+)")
    if code then
      common.push(codes, code)
    elseif location:find("[?&]error=") then
      bad = bad + 1
    end
    return
  end
  if status ~= 200 then
    bad = bad + 1
    return
  end
  local refresh = common.json_string(body, "refresh_token")
  local access = common.json_string(body, "access_token")
  if refresh then common.push(refresh_tokens, refresh) end
  if access then
    remember_access_token(access)
  elseif body:find('"active"', 1, true) and not body:find('"active"%s*:%s*true') then
    bad = bad + 1 -- an introspection that found the token inactive
  end
end
