/**
 * The Lua scripts of the Redis counter store. Each runs atomically in Redis, so N gateways reserving
 * against one budget are serialised there, and every script takes its time from Redis (`TIME`), never from
 * the instance that calls it — instances with skewed clocks still agree on windows and expiries.
 *
 * Layout per counter: a hash `c:<key>` with `r` (reserved), `k`/`a`/`b` (window kind and bounds), `s:<bucket>`
 * (spent per bucket; bucket 0 for fixed and total windows) and `x:<reservation id>` (amount held), and a
 * sorted set `z:<key>` of reservation ids scored by expiry. Arithmetic that is stored goes through HINCRBY on
 * integer strings (exact); Lua numbers (doubles) are only compared, exact below 2^53.
 */

const COMMON = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function int(x) return string.format('%d', x) end
local function purge(h, z, now)
  local ids = redis.call('ZRANGEBYSCORE', z, '-inf', now)
  if #ids == 0 then return end
  local total = 0
  for _, id in ipairs(ids) do
    total = total + tonumber(redis.call('HGET', h, 'x:' .. id) or '0')
    redis.call('HDEL', h, 'x:' .. id)
  end
  redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
  if total > 0 then
    local r = redis.call('HINCRBY', h, 'r', int(-total))
    if r < 0 then redis.call('HSET', h, 'r', '0') end
  end
end
local function snapshot(h, kind, a, b, now)
  local reserved = tonumber(redis.call('HGET', h, 'r') or '0')
  local spent = 0
  local oldest = -1
  if kind == 'r' then
    local cutoff = now - a - b
    local all = redis.call('HGETALL', h)
    for i = 1, #all, 2 do
      local f = all[i]
      if string.sub(f, 1, 2) == 's:' then
        local bucket = tonumber(string.sub(f, 3))
        local v = tonumber(all[i + 1])
        if bucket > cutoff then
          if v > 0 then
            spent = spent + v
            if oldest < 0 or bucket < oldest then oldest = bucket end
          end
        else
          redis.call('HDEL', h, f)
        end
      end
    end
  else
    spent = tonumber(redis.call('HGET', h, 's:0') or '0')
  end
  return spent, reserved, oldest
end
local function keep(h, z, kind, a, b, now, ttl)
  redis.call('HSET', h, 'k', kind, 'a', int(a), 'b', int(b))
  if kind == 't' then return end
  local at
  if kind == 'f' then
    at = math.max(b, now + ttl) + 60000
  else
    at = now + a + b + ttl
  end
  redis.call('PEXPIREAT', h, int(at))
  redis.call('PEXPIREAT', z, int(at))
end
`;

/** KEYS: hash, zset per line. ARGV: id, ttlMs, then per line amount, limit (-1 = none), kind, a, b. */
export const RESERVE = `${COMMON}
local now = now_ms()
local id = ARGV[1]
local ttl = tonumber(ARGV[2])
local n = #KEYS / 2
local snaps = {}
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local base = 2 + (i - 1) * 5
  local amount, limit = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2])
  local kind, a, b = ARGV[base + 3], tonumber(ARGV[base + 4]), tonumber(ARGV[base + 5])
  if kind == 'f' and (now < a or now >= b) then return {'clock', now, i - 1} end
  purge(h, z, now)
  -- A retried reservation (same id) is already held: it is not added twice.
  if redis.call('HEXISTS', h, 'x:' .. id) == 1 then amount = 0 end
  local spent, reserved, oldest = snapshot(h, kind, a, b, now)
  if limit >= 0 and spent + reserved + amount > limit then
    return {'over', now, i - 1, spent, reserved, oldest}
  end
  snaps[i] = {spent, reserved, oldest}
end
local out = {'ok', now}
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local base = 2 + (i - 1) * 5
  local amount = tonumber(ARGV[base + 1])
  local kind, a, b = ARGV[base + 3], tonumber(ARGV[base + 4]), tonumber(ARGV[base + 5])
  if redis.call('HEXISTS', h, 'x:' .. id) == 1 then amount = 0 end
  if amount > 0 then
    redis.call('HINCRBY', h, 'r', ARGV[base + 1])
    redis.call('HSET', h, 'x:' .. id, ARGV[base + 1])
    redis.call('ZADD', z, int(now + ttl), id)
  end
  keep(h, z, kind, a, b, now, ttl)
  out[#out + 1] = snaps[i][1]
  out[#out + 1] = snaps[i][2] + amount
  out[#out + 1] = snaps[i][3]
end
return out
`;

/**
 * Settles a batch of reservations in one script (settlements are coalesced per tick, off the request path).
 * KEYS: hash, zset per line of every settlement, in order. ARGV: number of settlements, then per settlement
 * id and its number of lines, then per line actual, kind, a, b. Returns now, then spent, reserved, oldest per
 * line in KEYS order.
 */
export const SETTLE = `${COMMON}
local now = now_ms()
local out = {now}
local ops = tonumber(ARGV[1])
local p = 2
local k = 1
for _ = 1, ops do
  local id = ARGV[p]
  local n = tonumber(ARGV[p + 1])
  p = p + 2
  for _ = 1, n do
    local h, z = KEYS[k], KEYS[k + 1]
    k = k + 2
    local actual = tonumber(ARGV[p])
    local kind, a, b = ARGV[p + 1], tonumber(ARGV[p + 2]), tonumber(ARGV[p + 3])
    purge(h, z, now)
    local held = redis.call('HGET', h, 'x:' .. id)
    if held then
      redis.call('HDEL', h, 'x:' .. id)
      redis.call('ZREM', z, id)
      local r = redis.call('HINCRBY', h, 'r', int(-tonumber(held)))
      if r < 0 then redis.call('HSET', h, 'r', '0') end
    end
    if actual > 0 then
      local bucket = 0
      if kind == 'r' then bucket = math.floor(now / b) * b end
      redis.call('HINCRBY', h, 's:' .. int(bucket), ARGV[p])
    end
    keep(h, z, kind, a, b, now, 0)
    local spent, reserved, oldest = snapshot(h, kind, a, b, now)
    out[#out + 1] = spent
    out[#out + 1] = reserved
    out[#out + 1] = oldest
    p = p + 4
  end
end
return out
`;

/** KEYS: hash, zset per line. ARGV: per line kind, a, b. */
export const READ = `${COMMON}
local now = now_ms()
local n = #KEYS / 2
local out = {now}
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local base = (i - 1) * 3
  local kind, a, b = ARGV[base + 1], tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  purge(h, z, now)
  local spent, reserved, oldest = snapshot(h, kind, a, b, now)
  out[#out + 1] = spent
  out[#out + 1] = reserved
  out[#out + 1] = oldest
end
return out
`;

/**
 * Adjusts the allowance a holder leases on each line (CounterStore.lease). KEYS: hash, zset per line.
 * ARGV: holder, ttlMs, then per line spentTotal, epoch, keep, want, limit (-1 = none), kind, a, b. The holder's
 * cumulative booked spend is kept in `t:<holder>` as `<epoch>:<total>` (it outlives the lease, so a late retry
 * books nothing twice); a total under another epoch is a new count (the holder forgot the counter and began
 * again from 0), booked in full. A value without an epoch (written before epochs) counts as the same epoch.
 * Returns now, then per line spent, reserved, oldest, held, clock (1/0).
 */
export const LEASE = `${COMMON}
local now = now_ms()
local holder = ARGV[1]
local ttl = tonumber(ARGV[2])
local n = #KEYS / 2
local out = {now}
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local base = 2 + (i - 1) * 8
  local total, epoch = tonumber(ARGV[base + 1]), ARGV[base + 2]
  local hold_min, want = tonumber(ARGV[base + 3]), tonumber(ARGV[base + 4])
  local limit = tonumber(ARGV[base + 5])
  local kind, a, b = ARGV[base + 6], tonumber(ARGV[base + 7]), tonumber(ARGV[base + 8])
  purge(h, z, now)
  local booked = 0
  local tv = redis.call('HGET', h, 't:' .. holder)
  if tv then
    local e, v = string.match(tv, '^(%d+):(.+)$')
    if e == nil then booked = tonumber(tv) or 0
    elseif e == epoch then booked = tonumber(v) or 0 end
  end
  if total > booked then
    local bucket = 0
    if kind == 'r' then bucket = math.floor(now / b) * b end
    redis.call('HINCRBY', h, 's:' .. int(bucket), int(total - booked))
    redis.call('HSET', h, 't:' .. holder, epoch .. ':' .. ARGV[base + 1])
  end
  local old = tonumber(redis.call('HGET', h, 'x:' .. holder) or '0')
  local spent, reserved, oldest = snapshot(h, kind, a, b, now)
  local clock = 0
  if want > hold_min and kind == 'f' and (now < a or now >= b) then clock = 1 end
  if clock == 1 or want < hold_min then want = hold_min end
  local held = want
  if limit >= 0 then
    local room = limit - spent - (reserved - old)
    if room < held then held = room end
    if held < hold_min then held = hold_min end
  end
  if held ~= old then
    local r = redis.call('HINCRBY', h, 'r', int(held - old))
    if r < 0 then redis.call('HSET', h, 'r', '0') end
  end
  if held > 0 then
    redis.call('HSET', h, 'x:' .. holder, int(held))
    redis.call('ZADD', z, int(now + ttl), holder)
  elseif old > 0 then
    redis.call('HDEL', h, 'x:' .. holder)
    redis.call('ZREM', z, holder)
  end
  keep(h, z, kind, a, b, now, ttl)
  out[#out + 1] = spent
  out[#out + 1] = reserved - old + held
  out[#out + 1] = oldest
  out[#out + 1] = held
  out[#out + 1] = clock
end
return out
`;
