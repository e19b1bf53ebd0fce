-- wrk script: POSTs real IMDb reviews to a V1 predict route, N texts per request, rotating.
--
--   wrk -c 8 -d 15s --latency -s predict.lua http://127.0.0.1:8080 -- CSV TEXTS_PER_REQUEST [FIRST_ROW] [ROWS] [MODEL]
--
-- CSV is IMDB_Dataset.csv (columns review,sentiment), read at start-up, never copied anywhere;
-- the reviews are its data rows FIRST_ROW .. FIRST_ROW + ROWS - 1 (default 25001 and 2000: the
-- official test split's first 2000). Request i of a thread carries texts i*N .. i*N + N - 1 (mod
-- ROWS), each thread starting at its own offset. MODEL (default "imdb") names the model in
-- /v1/models/MODEL:predict.
--
-- At the end it prints one line to parse:
--   RESULT requests=R seconds=S texts_per_request=N non200=K connect=.. read=.. write=.. timeout=.. p50_ms=.. p99_ms=..
-- non200 counts answers whose status is not 200 (a `response` hook sees every answer).

local threads = {}
local thread_count = 0

function setup(thread)
   thread_count = thread_count + 1
   thread:set("thread_index", thread_count - 1)
   table.insert(threads, thread)
end

-- The fields of a CSV (RFC 4180: quoted fields may hold commas, newlines and doubled quotes),
-- row by row: calls on_row(fields) until it returns false or the text ends.
local function each_csv_row(text, on_row)
   local pos, length = 1, #text
   while pos <= length do
      local fields = {}
      while true do
         local field
         if text:byte(pos) == 34 then -- a quoted field
            local parts, from = {}, pos + 1
            while true do
               local quote = text:find('"', from, true)
               if not quote then error("predict.lua: unterminated quoted field in the CSV") end
               table.insert(parts, text:sub(from, quote - 1))
               if text:byte(quote + 1) == 34 then
                  table.insert(parts, '"')
                  from = quote + 2
               else
                  pos = quote + 1
                  break
               end
            end
            field = table.concat(parts)
         else
            local stop = text:find("[,\r\n]", pos) or (length + 1)
            field = text:sub(pos, stop - 1)
            pos = stop
         end
         table.insert(fields, field)
         local c = text:byte(pos)
         if c == 44 then -- ","
            pos = pos + 1
         else -- end of the row: "\r\n", "\n" or the end of the text
            if c == 13 then pos = pos + 1 end
            if text:byte(pos) == 10 then pos = pos + 1 end
            break
         end
      end
      if on_row(fields) == false then return end
   end
end

local escapes = { ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t',
                  ['\b'] = '\\b', ['\f'] = '\\f' }

-- A JSON string literal of UTF-8 text: quotes, backslashes and control characters escaped.
local function json_string(s)
   return '"' .. s:gsub('[%c"\\]', function(c)
      return escapes[c] or string.format("\\u%04x", c:byte())
   end) .. '"'
end

local function read_reviews(path, first_row, rows)
   local file = assert(io.open(path, "rb"), "predict.lua: cannot open " .. path)
   local text = file:read("*a")
   file:close()
   local reviews, column, row = {}, nil, 0
   each_csv_row(text, function(fields)
      if not column then
         for i, name in ipairs(fields) do
            if name == "review" then column = i end
         end
         if not column then error("predict.lua: " .. path .. " has no 'review' column") end
         return true
      end
      row = row + 1
      if row >= first_row then table.insert(reviews, fields[column]) end
      return #reviews < rows
   end)
   if #reviews == 0 then error("predict.lua: no rows from " .. first_row .. " in " .. path) end
   return reviews
end

function init(args)
   local path = args[1] or error("predict.lua: give the CSV path after --")
   per_request = tonumber(args[2] or "1")
   local first_row = tonumber(args[3] or "25001")
   local rows = tonumber(args[4] or "2000")
   local model = args[5] or "imdb"
   local reviews = read_reviews(path, first_row, rows)
   for i, review in ipairs(reviews) do reviews[i] = json_string(review) end
   -- Every distinct body, formatted once: request() only picks the next one.
   local count = #reviews
   local request_count = math.max(1, math.floor(count / per_request))
   local headers = { ["Content-Type"] = "application/json" }
   local route = "/v1/models/" .. model .. ":predict"
   bodies = {}
   for r = 0, request_count - 1 do
      local texts = {}
      for k = 0, per_request - 1 do
         table.insert(texts, reviews[((r * per_request + k) % count) + 1])
      end
      bodies[r + 1] = wrk.format("POST", route, headers, '{"instances": [' .. table.concat(texts, ", ") .. ']}')
   end
   next_request = (thread_index * 997) % request_count
   non200 = 0
end

function request()
   next_request = next_request % #bodies + 1
   return bodies[next_request]
end

function response(status, headers, body)
   if status ~= 200 then non200 = non200 + 1 end
end

function done(summary, latency, requests)
   local non200_total = 0
   local per = 1
   for _, thread in ipairs(threads) do
      non200_total = non200_total + thread:get("non200")
      per = thread:get("per_request")
   end
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d seconds=%.3f texts_per_request=%d non200=%d connect=%d read=%d write=%d timeout=%d p50_ms=%.3f p99_ms=%.3f\n",
      summary.requests, summary.duration / 1e6, per, non200_total, e.connect, e.read, e.write, e.timeout,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
