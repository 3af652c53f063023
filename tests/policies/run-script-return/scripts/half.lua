-- half.lua: 0.5% of the deal, computed with a float (wrong: use dec)
function half(ctx)
  return {kind = "commission", amount = 0.005 * 1000, reason = "0.5%"}
end
