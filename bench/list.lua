-- First page of the pending queue.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("HP_KEY")
wrk.path = "/api/pause?status=pending"
