-- kicker.lua: scripts of the good-full test policy (only compiled).
function kicker(ctx)
	return nil
end

function appraise(ctx)
	return nil
end
