-- Authorization code + PKCE without a browser, over an established session cookie:
-- GET /authorize -> 302/303 to the redirect URI with a code -> POST /token (code, verifier).
-- wrk does not say which connection an answer belongs to, so answers are recognised by
-- content: a redirect carrying code= queues a token request; a 200 with an access token
-- completes one iteration. Every iteration is two requests.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")
setup, done = common.setup, common.done

local config, authorize_req, codes, token_headers, token_body

function init(args)
  config = common.read_config(args[1])
  authorize_req = wrk.format("GET", config.authorize_path, { Cookie = config.session_cookie })
  codes = common.queue()
  token_headers = { Authorization = config.basic }
  token_body = "grant_type=authorization_code&redirect_uri=" .. common.url_encode(config.redirect_uri)
    .. "&code_verifier=" .. common.url_encode(config.verifier) .. "&code="
  common.install_pacing(config)
end

function request()
  local code = common.pop(codes)
  if code then
    return common.form_post(config.token_path, token_headers, token_body .. code) -- as in the URL
  end
  return authorize_req
end

function response(status, headers, body)
  if status == 302 or status == 303 then
    local code = (common.header(headers, "location") or ""):match("[?&]code=([^&]+)")
    if code then common.push(codes, code) else bad = bad + 1 end
  elseif status == 200 and body:find('"access_token"', 1, true) then
    iterations = iterations + 1
  else
    bad = bad + 1
  end
end
