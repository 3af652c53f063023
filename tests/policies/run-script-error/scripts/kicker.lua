-- kicker.lua: forgets that `years` may be absent
function kicker(ctx)
  if ctx.event.years < ctx.params.min_years then
    return nil
  end
  return {kind = "bonus", amount = 100, reason = "long contract"}
end
