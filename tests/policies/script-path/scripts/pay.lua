function pay(ctx) return nil end
