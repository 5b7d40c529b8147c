"""The Lua scripts of the Redis backend: each check-and-count runs as one atomic step in Redis."""

# KEYS[1] the counter hash {spent, h:<token> = "amount|expires"}.
# ARGV amount, limit, hold seconds, token, keep seconds, seed ('' = ask the caller for one).
# -> {'seed'} | {'no', committed} | {'ok', committed}   (numbers as strings: Lua would truncate them)
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local spent = redis.call('HGET', KEYS[1], 'spent')
if not spent then
  if ARGV[6] == '' then return {'seed'} end
  redis.call('HSET', KEYS[1], 'spent', ARGV[6])
  spent = ARGV[6]
end
local held = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'h:' then
    local amount, expires = string.match(all[i + 1], '^([^|]+)|(.+)$')
    if tonumber(expires) < now then
      redis.call('HDEL', KEYS[1], all[i])
    else
      held = held + tonumber(amount)
    end
  end
end
local committed = tonumber(spent) + held
if committed >= tonumber(ARGV[2]) then return {'no', tostring(committed)} end
redis.call('HSET', KEYS[1], 'h:' .. ARGV[4], ARGV[1] .. '|' .. tostring(now + tonumber(ARGV[3])))
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {'ok', tostring(committed)}
"""

# KEYS[1] the counter hash; ARGV token, actual amount. The hold goes, the amount joins `spent`.
SETTLE = """
redis.call('HDEL', KEYS[1], 'h:' .. ARGV[1])
if redis.call('HEXISTS', KEYS[1], 'spent') == 1 then
  redis.call('HINCRBYFLOAT', KEYS[1], 'spent', ARGV[2])
end
return 1
"""

# KEYS[1] current slot, KEYS[2] previous slot; ARGV limit, window, cost, seconds into the slot.
# -> {allowed 0/1, retry_after}
HIT = """
local limit, window, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local elapsed = tonumber(ARGV[4])
if cost > limit then return {0, math.floor(window)} end
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * (1 - elapsed / window) + current + cost <= limit then
  redis.call('INCRBYFLOAT', KEYS[1], cost)
  redis.call('EXPIRE', KEYS[1], math.ceil(window * 2))
  return {1, 0}
end
if current + cost > limit then return {0, math.max(1, math.ceil(window - elapsed))} end
local t = window * (1 - (limit - current - cost) / previous)
return {0, math.max(1, math.ceil(t - elapsed))}
"""
