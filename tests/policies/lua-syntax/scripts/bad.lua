-- bad.lua: a rule script whose third statement is cut short
function kicker(ctx)
	return ctx.event.amount *
end
