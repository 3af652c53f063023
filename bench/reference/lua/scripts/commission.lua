-- commission.lua: the per-event part of the peer benchmark's policy
-- (../shared/bench/peers/POLICY.md), for rules `commission` (deals) and
-- `refund-commission` (refunds) of bench/reference/lua/policy.yaml.
--
-- commission = amount x rate x region multiplier, exact: rate and
-- multiplier are whole percents, so amount x (rate% x mult%) / 10000 has
-- at most 6 decimals and the division below is exact; the engine rounds
-- the result once, half_up, to cents.  A refund's amount arrives negative
-- (its type has `sign: negative`), so the same arithmetic gives the
-- commission negated.  SPIFF: 150.00 on deals of SW-ENT-1xx of 50,000.00
-- or more (the Lua pattern ^SW%-ENT%-1%d%d$ is ^SW-ENT-1\d\d$ on this
-- ASCII data).
--
-- The engine runs this whole file again before every call (no state
-- survives between events: docs/lua-api.md), so it defines one function
-- and nothing else, and tests prefixes with plain find (no substrings).

function commission(ctx)
	local ev = ctx.event
	local sku, rate, why = ev.sku, 0, "no product family"
	if sku:find("SW-ENT-", 1, true) == 1 then
		rate, why = 8, "SW-ENT 8%"
	elseif sku:find("SW-SMB-", 1, true) == 1 then
		rate, why = 6, "SW-SMB 6%"
	elseif sku:find("HW-", 1, true) == 1 then
		rate, why = 3, "HW 3%"
	elseif sku:find("SVC-", 1, true) == 1 then
		rate, why = 10, "SVC 10%"
	end
	local region = ev.region
	local mult = region == "EMEA" and 100 or region == "APAC" and 110 or 95
	local c = {kind = "commission", reason = why,
		   amount = (ev.amount * (rate * mult)):div(10000, 6)}
	if ev.type == "deal_closed" and ev.amount >= 50000 and
	   sku:find("^SW%-ENT%-1%d%d$") then
		return {c, {kind = "spiff", amount = 150, reason = "strategic SW-ENT deal"}}
	end
	return c
end
