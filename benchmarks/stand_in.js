// Telegram Bot API and Twilio REST stand-in for benchmarks/http.py: answers at once, keeps counts.
//
//   node benchmarks/stand_in.js PORT
//
// * POST /bot<token>/<method>: getMe, setWebhook, setMyCommands, answerCallbackQuery,
//   editMessageReplyMarkup, … answer {"ok": true, "result": true}; send* methods answer a Message.
// * POST /2010-04-01/Accounts/<sid>/Messages.json: a created Message with a fresh "SM…" sid.
// * GET /stats: how many calls of each method arrived (the bot's outbox dispatcher at work).
// * GET /sent?to=whatsapp:+49…: how many Twilio messages went to that number so far.
// * GET /wait?to=whatsapp:+49…&count=N&timeout=MS: answers as soon as N messages went to that
//   number ({"count": n}), or 504 after the timeout: benchmarks/flood.py times "her reply came".
//
// Node, not Python, so that the stand-in takes as little as possible of the CPU the bot and wrk
// share on a small machine.
"use strict";

const http = require("http");
const querystring = require("querystring");

const port = Number(process.argv[2] || 0);
const counts = {};
const perRecipient = {};
const waiters = {}; // recipient -> [{count, response, timer}]
let messageId = 1000;

function delivered(to) {
  perRecipient[to] = (perRecipient[to] || 0) + 1;
  const waiting = waiters[to];
  if (!waiting) return;
  waiters[to] = waiting.filter((w) => {
    if (w.count > perRecipient[to]) return true;
    clearTimeout(w.timer);
    reply(w.response, 200, { count: perRecipient[to] });
    return false;
  });
}

function wait(query, response) {
  const to = String(query.to || "");
  const count = Number(query.count || 1);
  if ((perRecipient[to] || 0) >= count) {
    reply(response, 200, { count: perRecipient[to] });
    return;
  }
  const waiter = { count, response };
  waiter.timer = setTimeout(() => {
    waiters[to] = (waiters[to] || []).filter((w) => w !== waiter);
    reply(response, 504, { count: perRecipient[to] || 0 });
  }, Number(query.timeout || 10000));
  (waiters[to] = waiters[to] || []).push(waiter);
}

function params(body, contentType) {
  if (!body) return {};
  try {
    if (contentType.includes("json")) return JSON.parse(body);
    if (contentType.includes("form")) return querystring.parse(body);
  } catch (error) {
    return {};
  }
  return {}; // multipart (sendDocument): the fields are not needed here
}

function reply(response, status, value) {
  const text = JSON.stringify(value);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

function telegram(method, p) {
  if (method === "getMe") {
    return {
      id: 123456,
      is_bot: true,
      first_name: "TWC Bench",
      username: "twc_bench_bot",
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    };
  }
  if (method.startsWith("send")) {
    messageId += 1;
    return {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: Number(p.chat_id) || 0, type: "private" },
      text: typeof p.text === "string" ? p.text : "",
    };
  }
  if (method === "getUpdates") return [];
  return true; // setWebhook, setMyCommands, answerCallbackQuery, editMessageReplyMarkup, …
}

function twilio(p, sid) {
  messageId += 1;
  const now = new Date().toUTCString();
  return {
    sid: "SM" + messageId.toString(16).padStart(32, "0"),
    account_sid: sid,
    from: p.From || null,
    to: p.To || null,
    body: p.Body || "",
    status: "queued",
    num_segments: "1",
    num_media: "0",
    direction: "outbound-api",
    api_version: "2010-04-01",
    date_created: now,
    date_updated: now,
    date_sent: null,
    price: null,
    error_code: null,
    error_message: null,
    uri: `/2010-04-01/Accounts/${sid}/Messages/SM${messageId}.json`,
  };
}

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const [path, search] = request.url.split("?", 2);
    if (path === "/stats") {
      reply(response, 200, counts);
      return;
    }
    const query = querystring.parse(search || "");
    if (path === "/sent") {
      reply(response, 200, { count: perRecipient[String(query.to || "")] || 0 });
      return;
    }
    if (path === "/wait") {
      wait(query, response);
      return;
    }
    const body = Buffer.concat(chunks).toString("utf8");
    const p = params(body, request.headers["content-type"] || "");
    const bot = path.match(/^\/bot[^/]+\/([A-Za-z]+)$/);
    if (bot) {
      counts[bot[1]] = (counts[bot[1]] || 0) + 1;
      reply(response, 200, { ok: true, result: telegram(bot[1], p) });
      return;
    }
    const messages = path.match(/^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/);
    if (messages && request.method === "POST") {
      counts["twilio:Messages"] = (counts["twilio:Messages"] || 0) + 1;
      reply(response, 201, twilio(p, messages[1]));
      delivered(String(p.To || ""));
      return;
    }
    counts["unknown"] = (counts["unknown"] || 0) + 1;
    reply(response, 404, { ok: false, error_code: 404, description: "Not Found" });
  });
});

server.keepAliveTimeout = 60000;
server.listen(port, "127.0.0.1", () => {
  console.log(`stand-in listening on ${server.address().port}`);
});
