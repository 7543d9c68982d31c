-- POST /webhooks/telegram: Telegram Updates (a message or a button press) with the secret
-- header; one onboarding (8 updates) per fresh chat, chats one after the other on this thread.
--   wrk -t N -c N -s benchmarks/wrk/telegram.lua URL -- RUN_NUMBER SECRET
-- Chat ids and update ids are unique per (run, thread, person, step), so every update is new.
dofile("benchmarks/wrk/common.lua")

local steps = {
  {"text", "/start"},
  {"choice", "onboarding.choose_language:ar"},
  {"choice", "onboarding.privacy_notice:yes"},
  {"text", "Amina"},
  {"choice", "onboarding.ask_town:t1"},
  {"choice", "onboarding.ask_interests:course"},
  {"choice", "onboarding.ask_interests:done"},
  {"choice", "onboarding.ask_support:done"},
}
local run = 1
local headers = {["Content-Type"] = "application/json"}
local number = 0
local step = #steps
local person = 0

function init(args)
  run = tonumber(args[1]) or run
  headers["X-Telegram-Bot-Api-Secret-Token"] = args[2] or ""
end

local function chat_json(chat)
  return string.format('{"id":%d,"type":"private","first_name":"Amina"}', chat)
end

local function user_json(chat)
  return string.format(
    '{"id":%d,"is_bot":false,"first_name":"Amina","language_code":"ar"}', chat)
end

function request()
  if probe then
    return probe_request()
  end
  if step >= #steps then
    number = number + 1
    person = run * 10000000 + tid * 100000 + number
    step = 0
  end
  step = step + 1
  local chat = 7000000000 + person
  local update_id = person * 10 + step
  local kind, value = steps[step][1], steps[step][2]
  local now = os.time()
  local body
  if kind == "text" then
    local entities = ""
    if value:sub(1, 1) == "/" then
      entities = string.format(',"entities":[{"type":"bot_command","offset":0,"length":%d}]',
        #value)
    end
    body = string.format(
      '{"update_id":%d,"message":{"message_id":%d,"date":%d,"chat":%s,"from":%s,"text":%s%s}}',
      update_id, update_id, now, chat_json(chat), user_json(chat), q(value), entities)
  else
    -- The press comes with the bot's message it belongs to (its keyboard gives the label).
    body = string.format(
      '{"update_id":%d,"callback_query":{"id":"cq-%d","chat_instance":"ci-%d","from":%s,'
        .. '"data":%s,"message":{"message_id":%d,"date":%d,"chat":%s,'
        .. '"from":{"id":123456,"is_bot":true,"first_name":"TWC Bench"},"text":"Frage",'
        .. '"reply_markup":{"inline_keyboard":[[{"text":"Antwort","callback_data":%s}]]}}}}',
      update_id, update_id, chat, user_json(chat), q(value), update_id - 1, now,
      chat_json(chat), q(value))
  end
  return wrk.format("POST", "/webhooks/telegram", headers, body)
end
