-- spin.lua: a loop whose condition never changes
function spin(ctx)
  local n = 0
  while n >= 0 do n = n + 1 end
end
