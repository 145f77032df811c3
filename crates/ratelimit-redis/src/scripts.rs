//! The two Lua scripts. Each runs atomically inside Redis and reads the clock with `TIME`, so
//! every worker agrees on the window whatever its own clock says.

/// Reserves one request in the first 10-second window (the current one, or a later one) that
/// still has room in the app budget and, when a workspace is configured, the workspace budget.
///
/// KEYS: 1 app window-key prefix, 2 workspace window-key prefix (`""` = no workspace budget),
///       3 observed-limit key, 4 window-anchor key.
/// ARGV: 1 window (s), 2 app budget, 3 workspace budget, 4 max wait (ms), 5 edge guard (ms),
///       6 windows to look ahead.
/// Returns `{granted (0|1), wait_ms, count_after, window_end_s, app_budget}`. Nothing is
/// counted when the wait would pass the max wait.
pub(crate) const RESERVE: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local w = tonumber(ARGV[1]) * 1000
local app_budget = tonumber(ARGV[2])
local seen = tonumber(redis.call('GET', KEYS[3]))
if seen and seen > 0 and seen < app_budget then app_budget = seen end
local ws_budget = tonumber(ARGV[3])
local anchor = (tonumber(redis.call('GET', KEYS[4])) or 0) * 1000
local max_wait = tonumber(ARGV[4])
local ahead = tonumber(ARGV[6])
local first = math.floor((now + tonumber(ARGV[5]) - anchor) / w) * w + anchor
for k = 0, ahead - 1 do
  local start = first + k * w
  local stop = start + w
  local id = string.format('%d', stop / 1000)
  local akey = KEYS[1] .. id
  local used = tonumber(redis.call('GET', akey)) or 0
  local wkey = nil
  local wused = 0
  if KEYS[2] ~= '' then
    wkey = KEYS[2] .. id
    wused = tonumber(redis.call('GET', wkey)) or 0
  end
  if used < app_budget and wused < ws_budget then
    local wait = start - now
    if wait < 0 then wait = 0 end
    if wait > max_wait then
      return {0, wait, used, stop / 1000, app_budget}
    end
    local ttl = stop + w - now
    used = redis.call('INCR', akey)
    redis.call('PEXPIRE', akey, ttl)
    if wkey then
      redis.call('INCR', wkey)
      redis.call('PEXPIRE', wkey, ttl)
    end
    return {1, wait, used, stop / 1000, app_budget}
  end
end
local start = first + ahead * w
return {0, start - now, app_budget, (start + w) / 1000, app_budget}
"#;

/// Corrects the shared state from one response's `X-RateLimit-*` headers: seeds the app
/// budget from `X-RateLimit-Limit`, aligns the window boundaries on `X-RateLimit-Reset`, and
/// raises the window's counter to `limit - remaining` when Intercom has counted more than we
/// have (never lowers it).
///
/// KEYS: 1 app window-key prefix, 2 observed-limit key, 3 window-anchor key.
/// ARGV: 1 limit, 2 remaining, 3 reset (Unix s), 4 window (s), 5 TTL of the seed keys (s).
/// Returns the window's counter after the correction, or -1 when the snapshot was stale or
/// implausible (ignored).
pub(crate) const CORRECT: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local remaining = tonumber(ARGV[2])
local reset = tonumber(ARGV[3])
local w = tonumber(ARGV[4])
local stop = reset * 1000
if stop <= now or stop > now + (w + 1) * 1000 then return -1 end
if limit > 0 then redis.call('SET', KEYS[2], limit, 'EX', ARGV[5]) end
local anchor = reset % w
if tonumber(redis.call('GET', KEYS[3])) ~= anchor then
  redis.call('SET', KEYS[3], anchor, 'EX', ARGV[5])
else
  redis.call('EXPIRE', KEYS[3], ARGV[5])
end
local key = KEYS[1] .. string.format('%d', reset)
local used = limit - remaining
if used < 0 then used = 0 end
local cur = tonumber(redis.call('GET', key)) or 0
if used > cur then
  redis.call('SET', key, used, 'PX', stop + w * 1000 - now)
  return used
end
return cur
"#;
