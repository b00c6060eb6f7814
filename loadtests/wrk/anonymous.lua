-- Anonymous traffic (anonymous_storage.py): no cookie, no credentials. Each thread cycles
-- through a fixed pattern of request kinds (config: slots, and path_<kind> for each), so
-- the share of each kind is exact. Authorize requests get a fresh state, device requests a
-- fresh user code. Answers are recognised by content (wrk does not say which request an
-- answer belongs to): a redirect to the login page (valid authorize, device page), an
-- error redirect to the client (no PKCE), 400 (unknown client, unregistered redirect URI)
-- or 404 (unknown tenant); anything else counts as bad.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")
setup, done = common.setup, common.done

local slots, paths = {}, {}
local sent = 0
local ALPHABET = "BCDFGHJKLMNPQRSTVWXZ" -- RFC 8628 §6.1: no vowels

local function user_code(n)
  local out = {}
  for i = 1, 8 do
    local k = n % #ALPHABET + 1
    out[#out + 1] = ALPHABET:sub(k, k)
    n = math.floor(n / #ALPHABET)
    if i == 4 then out[#out + 1] = "-" end
  end
  return table.concat(out)
end

function init(args)
  local config = common.read_config(args[1])
  for kind in config.slots:gmatch("[%w_]+") do
    slots[#slots + 1] = kind
    paths[kind] = config["path_" .. kind]
  end
  common.install_pacing(config)
end

function request()
  sent = sent + 1
  local kind = slots[(sent - 1) % #slots + 1]
  local path = paths[kind]
  if kind == "device" then
    path = path .. user_code(thread_index * 1000003 + sent)
  else
    path = path .. "&state=t" .. thread_index .. "n" .. sent
  end
  return wrk.format("GET", path)
end

function response(status, headers)
  if status == 302 or status == 303 then
    local location = common.header(headers, "location") or ""
    if not (location:find("/login?interaction=", 1, true) or location:find("[?&]error=")) then
      bad = bad + 1
    end
  elseif status ~= 400 and status ~= 404 then
    bad = bad + 1
  end
end
