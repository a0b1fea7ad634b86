-- POSTs a new row with each request: the body (the script's third argument, sent as the second
-- argument's content type) with each "{day}" replaced by a day no request before it used, counted
-- from the first argument (days since 1970-01-01; negative before it). One wrk thread: one counter.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk_report.lua") -- its done(): the figures as one JSON line

local first, body, sent = 0, "", 0

-- Days since 1970-01-01 as YYYY-MM-DD (the proleptic Gregorian calendar, H. Hinnant's civil_from_days).
local function civil(days)
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400 + (m <= 2 and 1 or 0)
  return string.format("%04d-%02d-%02d", y, m, d)
end

init = function(args)
  first, body = tonumber(args[1]), args[3]
  wrk.headers["Content-Type"] = args[2]
end

request = function()
  local day = civil(first + sent)
  sent = sent + 1
  return wrk.format("POST", nil, nil, (body:gsub("{day}", day)))
end
