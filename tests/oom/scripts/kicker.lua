-- kicker.lua: a small script rule for the allocation failure test: builds
-- a table, sorts it, formats text and returns exact decimals.
function kicker(ctx)
  local keys = {}
  for k in pairs(ctx.event) do keys[#keys + 1] = k end
  table.sort(keys)
  if not string.find(ctx.event.product or "", "^SW%-") then
    return nil
  end
  local amount = ctx.event.amount * ctx.params.rate
  return {kind = "spiff", amount = amount,
          reason = string.format("%s kicker on %s (%s)", ctx.params.label,
                                 ctx.event.id, table.concat(keys, ","))}
end
