-- long_contract.lua: rule `long-contract-bonus` of policy.yaml.
--
-- Pays params.rate of the contract amount for every year beyond the
-- second (3 years: 1%, 4 years: 2%), nothing below params.min_years.
-- Money is `dec`, an exact decimal; the engine rounds what is returned
-- to the cent. See docs/lua-api.md for everything a script may use.

function long_contract(ctx)
  local years = ctx.event.years
  if years < ctx.params.min_years then
    return nil                               -- too short: no decision
  end
  local extra = years - (ctx.params.min_years - 1)
  local pct = ctx.params.rate * extra
  -- ctx.share is this person's percentage of the event (100 unless split)
  local amount = ctx.event.amount * pct * ctx.share:div(100, 4)
  return {
    kind = "bonus",
    amount = amount,
    reason = string.format("%s of %s (%d-year contract)",
      pct:percent(), ctx.event.amount:format(2, true), years),
  }
end
