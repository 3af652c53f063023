@@function rule(ctx)
  local att = ctx.period.credited:div(ctx.quota, 4)
  if att >= dec("0.5") then
    return {{kind = "bonus", amount = dec("100.00"), reason = "half way " .. tostring(att)}}
  end
  return {}
end
