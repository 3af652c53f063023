-- kicker.lua: the function is called `kick`, the rule says `kicker`
function kick(ctx)
  return nil
end
