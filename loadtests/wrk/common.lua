-- Shared by every scenario script: the config file, per-thread shares of token pools,
-- counters of unexpected answers, and one machine-readable result line for run.py.
--
-- A scenario script does:  local common = dofile(<this dir> .. "/common.lua")
-- and receives the path of a key=value config file as its only argument (wrk ... -- FILE).

local ffi = require("ffi")

local M = {}

ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } loadtests_timeval;
  int gettimeofday(loadtests_timeval *tv, void *tz);
]]
local tv = ffi.new("loadtests_timeval")

local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end

-- Per-thread counters (globals of each thread's Lua state, read back in done()).
bad = 0        -- answers with an unexpected status or body (non-2xx where 2xx is expected)
starved = 0    -- requests sent without a pool entry (the pool ran dry: a harness problem)
iterations = 0 -- completed multi-request iterations (auth-code: authorize + token)

local threads = {}

function M.read_config(path)
  local config = {}
  for line in io.lines(path) do
    local key, value = line:match("^([%w_]+)=(.*)$")
    if key then config[key] = value end
  end
  return config
end

-- This thread's share of a pool file (one entry per line): lines i, i+n, i+2n, ...
function M.read_share(path, index, count)
  local share, n = {}, 0
  for line in io.lines(path) do
    if line ~= "" then
      if n % count == index - 1 then share[#share + 1] = line end
      n = n + 1
    end
  end
  return share
end

-- A FIFO queue: tokens rotate through it (each refresh token is used once, its successor
-- goes to the back).
function M.queue(items)
  local q = { first = 1, last = 0, items = {} }
  for _, item in ipairs(items or {}) do
    q.last = q.last + 1
    q.items[q.last] = item
  end
  return q
end

function M.push(q, item)
  q.last = q.last + 1
  q.items[q.last] = item
end

function M.pop(q)
  if q.first > q.last then return nil end
  local item = q.items[q.first]
  q.items[q.first] = nil
  q.first = q.first + 1
  return item
end

function M.size(q)
  return q.last - q.first + 1
end

function M.header(headers, name)
  for key, value in pairs(headers) do
    if key:lower() == name then return value end
  end
  return nil
end

function M.json_string(body, key)
  return body:match('"' .. key .. '"%s*:%s*"([^"]+)"')
end

function M.setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_index", #threads)
end

local function total(name)
  local sum = 0
  for _, thread in ipairs(threads) do sum = sum + (thread:get(name) or 0) end
  return sum
end

function M.done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'LOADTEST_RESULT {"requests":%d,"duration_us":%d,"p50_us":%.1f,"p90_us":%.1f,'
      .. '"p99_us":%.1f,"max_us":%.1f,"bad":%d,"starved":%d,"iterations":%d,'
      .. '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,'
      .. '"status_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, total("bad"), total("starved"), total("iterations"),
    e.connect, e.read, e.write, e.timeout, e.status))
end

-- The thread count, for read_share: the harness writes it into every config file.
function M.thread_count(config)
  return tonumber(config.threads or "1")
end

function M.form_post(path, headers, body)
  local all = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  for key, value in pairs(headers) do all[key] = value end
  return wrk.format("POST", path, all, body)
end

function M.url_encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

-- Open-loop pacing for wrk's delay() hook: this thread sends at most `rate` requests per
-- second, on a fixed schedule (slots missed while every connection was busy are caught up
-- for at most one second, so an overloaded server shows up as a lower achieved rate).
function M.pace(rate)
  local interval = 1000 / rate
  local next_at = nil
  return function()
    local now = now_ms()
    if not next_at or next_at < now - 1000 then next_at = now end
    local wait = next_at - now
    next_at = next_at + interval
    if wait < 0 then return 0 end
    return wait
  end
end

-- Install delay() when the config asks for a total rate (requests/s over all threads).
function M.install_pacing(config)
  local rate = tonumber(config.rate or "0")
  if rate and rate > 0 then
    delay = M.pace(rate / M.thread_count(config))
  end
end

return M
