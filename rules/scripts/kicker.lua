-- kicker.lua: the multi-year contract kicker (seed policy sections 5.1 and
-- 4.5), called by rule `multi-year-kicker` for every contract_signed event.
--
-- Pays params.rate (1%) of the contract amount for every year beyond the
-- second: 3 years -> 1%, 4 -> 2%, 5 -> 3%, never more than 5% in all.
-- Contracts shorter than params.min_years (3 years) earn nothing.
-- Money is `dec` (exact decimal, no floats); the engine rounds the amount
-- returned to the cent with the policy's rounding mode.

function kicker(ctx)
	local years = ctx.event.years
	local min_years = ctx.params.min_years
	if years < min_years then
		return nil -- too short: no kicker
	end
	local extra = years - (min_years - 1) -- years beyond the second
	local pct = ctx.params.rate * extra
	local max_pct = dec("0.05") -- the kicker never exceeds 5%
	local capped = pct > max_pct
	if capped then
		pct = max_pct
	end
	-- ctx.share: this person's credit share in percent (100 unless split).
	local amount = ctx.event.amount * pct * ctx.share * dec("0.01")
	local reason = string.format(
		"multi-year kicker: %s%% of %s (%d-year contract, %d year(s) beyond the second at %s%% each)",
		tostring(pct * 100), ctx.event.amount:format(2, true), years, extra,
		tostring(ctx.params.rate * 100))
	if capped then
		reason = reason .. ", capped at 5%"
	end
	if ctx.share < 100 then
		reason = reason .. ", your share " .. tostring(ctx.share) .. "%"
	end
	return {kind = "bonus", amount = amount, reason = reason}
end
