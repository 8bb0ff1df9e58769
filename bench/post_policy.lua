-- POST /api/pause as post.lua, naming its tool, so that the policy rules are walked. KEY comes
-- from the environment.
wrk.method = "POST"
wrk.path = "/api/pause"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("HP_KEY")
wrk.body = '{"action":"send_invoice","tool":"send_invoice","context":{"to":"customer@example.com","amount_cents":125000,"currency":"EUR","invoice":"INV-2026-000123","note":"' .. string.rep("x", 180) .. '"}}'
