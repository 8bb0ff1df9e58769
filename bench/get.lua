-- GET a random stored pause by watchId; ids from the file named by HP_IDS (one per line).
local ids = {}
function init(args)
  for line in io.lines(os.getenv("HP_IDS")) do ids[#ids + 1] = line end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
wrk.headers["Authorization"] = "Bearer " .. os.getenv("HP_KEY")
function request()
  return wrk.format("GET", "/api/pause/" .. ids[math.random(#ids)])
end
