-- wrk script: every request a new signature (its own email and Idempotency-Key), so each
-- one is a new durable row. Prints how many answers had which status.
--   wrk -s tests/bench/sign.lua … http://127.0.0.1:PORT/api/v1/campaigns/SLUG/signatures
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  n = 0
  statuses = {}
  run = tostring(os.time())
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local key = string.format("bench-%s-%d-%d", run, id, n)
  wrk.headers["Idempotency-Key"] = key
  local body = string.format(
    '{"name":"Bench Signer","email":"%s@bench.invalid","fields":{},' ..
    '"consent":{"given":true,"text":"I agree."},"public":false,"locale":"en",' ..
    '"source_url":"https://partner.example/page"}', key)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("status %d: %d\n", status, count))
  end
  io.write(string.format("p50 %.2f ms, p99 %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
