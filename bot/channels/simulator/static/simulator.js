// The chat simulator's script (a file of its own: the Content-Security-Policy allows no inline
// script).  All texts from the server are untrusted and rendered with textContent.
(function () {
  "use strict";

  var API = "/simulator/api";
  var POLL_MS = 3000;
  var MAX_USER = 64;
  var STORAGE_KEY = "twc-simulator-user";

  var els = {
    user: document.getElementById("user"),
    users: document.getElementById("users"),
    newUser: document.getElementById("new-user"),
    messages: document.getElementById("messages"),
    empty: document.getElementById("empty"),
    start: document.getElementById("start"),
    error: document.getElementById("error"),
    form: document.getElementById("composer"),
    text: document.getElementById("text"),
    send: document.getElementById("send")
  };

  // What the screen shows: the server's transcript for one user plus her messages that are
  // still on their way (shown at once, so typing feels instant).
  var state = {
    user: "",
    messages: [],        // from GET /simulator/api/messages
    pending: [],         // texts posted but not yet confirmed
    shownKey: "",        // what is rendered now; re-render only when it changes
    inFlight: 0,         // queued POSTs; polling pauses meanwhile to avoid double bubbles
    generation: 0,       // bumps on user switch, so late answers for another user are dropped
    knownUsers: "",
    loaded: false,       // the transcript for this user has arrived (before that: no Start)
    errorFromPoll: false
  };
  var queue = Promise.resolve();

  // ---- small helpers -------------------------------------------------------------------

  function storageGet() {
    try { return window.localStorage.getItem(STORAGE_KEY); } catch (e) { return null; }
  }

  function storageSet(value) {
    try { window.localStorage.setItem(STORAGE_KEY, value); } catch (e) { /* private mode */ }
  }

  function showError(message, fromPoll) {
    els.error.textContent = message;
    els.error.hidden = false;
    state.errorFromPoll = !!fromPoll;
  }

  function clearError(onlyPollErrors) {
    if (onlyPollErrors && !state.errorFromPoll) { return; }
    els.error.textContent = "";
    els.error.hidden = true;
    state.errorFromPoll = false;
  }

  // fetch + JSON, turning every failure into an Error with a readable message.
  function api(method, path, body) {
    var options = { method: method, headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(API + path, options).then(function (response) {
      return response.text().then(function (raw) {
        var data = null;
        try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
        if (!response.ok) {
          var detail = data && typeof data.error === "string" ? data.error
            : (response.statusText || "unexpected answer");
          throw new Error("Fehler (error) " + response.status + ": " + detail);
        }
        if (data === null || typeof data !== "object") {
          throw new Error("Ungültige Antwort vom Server (invalid answer from server)");
        }
        return data;
      });
    }, function () {
      throw new Error("Keine Verbindung zum Server (no connection to the server)");
    });
  }

  function formatTime(at) {
    if (typeof at !== "string") { return ""; }
    var date = new Date(at);
    if (isNaN(date.getTime())) { return ""; }
    return date.toLocaleString("de-DE", {
      day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit"
    });
  }

  // ---- rendering -----------------------------------------------------------------------

  function lastBotIndex(messages) {
    for (var i = messages.length - 1; i >= 0; i--) {
      if (messages[i].direction === "out") { return i; }
    }
    return -1;
  }

  function bubble(message, index, activeIndex) {
    var outgoing = message.direction === "out";   // "out" = the bot wrote it
    var row = document.createElement("div");
    row.className = "row " + (outgoing ? "out" : "in");

    var msg = document.createElement("div");
    msg.className = "msg " + (outgoing ? "out" : "in") + (message.pending ? " pending" : "");
    if (outgoing) {
      msg.setAttribute("dir", message.text_direction === "rtl" ? "rtl" : "ltr");
    } else {
      msg.setAttribute("dir", "auto");
    }
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = typeof message.text === "string" ? message.text : "";
    msg.appendChild(text);

    var when = message.pending ? "wird gesendet … (sending)" : formatTime(message.at);
    if (when) {
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.setAttribute("dir", "ltr");
      meta.textContent = when;
      msg.appendChild(meta);
    }
    row.appendChild(msg);

    var choices = Array.isArray(message.choices) ? message.choices : [];
    if (outgoing && choices.length) {
      var group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Antworten (answers)");
      group.setAttribute("dir", message.text_direction === "rtl" ? "rtl" : "ltr");
      var active = index === activeIndex;
      choices.forEach(function (choice) {
        if (!choice || typeof choice.id !== "string") { return; }
        var button = document.createElement("button");
        button.type = "button";
        button.className = "choice";
        button.setAttribute("dir", "auto");
        button.dataset.choiceId = choice.id;
        button.textContent = typeof choice.label === "string" ? choice.label : choice.id;
        button.disabled = !active || state.inFlight > 0;
        if (active) { button.dataset.active = "true"; }
        group.appendChild(button);
      });
      row.appendChild(group);
    }
    return row;
  }

  function render(force) {
    var all = state.messages.concat(state.pending);
    var key = state.user + "\u0000" + state.messages.length + "\u0000" + state.pending.length;
    if (!force && key === state.shownKey) { return; }
    var grew = all.length > 0 && key !== state.shownKey;
    state.shownKey = key;

    var active = lastBotIndex(all);
    var fragment = document.createDocumentFragment();
    all.forEach(function (message, index) {
      fragment.appendChild(bubble(message, index, active));
    });
    els.messages.replaceChildren(fragment);
    els.empty.hidden = !state.loaded || all.length > 0;
    if (grew) { els.messages.scrollTop = els.messages.scrollHeight; }
  }

  // Buttons are (re-)enabled without re-rendering once no request is queued any more.
  function syncChoiceButtons() {
    var busy = state.inFlight > 0;
    var buttons = els.messages.querySelectorAll("button.choice");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = busy || buttons[i].dataset.active !== "true";
    }
  }

  function renderUsers(users) {
    var list = users.filter(function (u) { return typeof u === "string"; });
    if (state.user && list.indexOf(state.user) === -1) { list.push(state.user); }
    list.sort();
    var key = list.join("\u0000");
    if (key !== state.knownUsers) {
      state.knownUsers = key;
      var placeholder = document.createElement("option");
      placeholder.value = "";
      placeholder.textContent = "– wählen (choose) –";
      var options = [placeholder];
      list.forEach(function (u) {
        var option = document.createElement("option");
        option.value = u;
        option.textContent = u;
        options.push(option);
      });
      els.users.replaceChildren.apply(els.users, options);
    }
    els.users.value = state.user;
  }

  // ---- talking to the server -----------------------------------------------------------

  function loadTranscript(force) {
    var user = state.user;
    var generation = state.generation;
    return api("GET", "/messages?user=" + encodeURIComponent(user)).then(function (data) {
      if (generation !== state.generation || user !== state.user) { return; }
      state.messages = Array.isArray(data.messages) ? data.messages : [];
      state.loaded = true;
      render(force);
    });
  }

  function loadUsers() {
    return api("GET", "/users").then(function (data) {
      renderUsers(Array.isArray(data.users) ? data.users : []);
    });
  }

  function poll() {
    if (!state.user || state.inFlight > 0 || document.hidden) { return; }
    Promise.all([loadTranscript(false), loadUsers()]).then(function () {
      clearError(true);
    }, function (error) {
      showError("Aktualisieren fehlgeschlagen (refresh failed): " + error.message, true);
    });
  }

  // Posts one message, in order: a choice pressed while text is still on its way waits.
  function post(body, pendingText, typed) {
    var user = state.user;
    var generation = state.generation;
    var item = { direction: "in", text: pendingText, choices: [], pending: true };
    state.pending.push(item);
    state.inFlight += 1;
    render(false);
    syncChoiceButtons();

    queue = queue.then(function () {
      body.user = user;
      return api("POST", "/messages", body).then(function (data) {
        clearError(false);
        if (data.duplicate) {
          showError("Diese Nachricht kam doppelt an (duplicate message, ignored).", false);
        }
      }, function (error) {
        showError(error.message, false);
        return "failed";
      }).then(function (outcome) {
        state.inFlight -= 1;
        var at = state.pending.indexOf(item);
        if (at !== -1) { state.pending.splice(at, 1); }
        if (outcome === "failed" && typed && !els.text.value) {
          els.text.value = body.text;   // give her text back so nothing is lost
        }
        if (generation !== state.generation) { return; }
        return Promise.all([loadTranscript(true), loadUsers()]).catch(function (error) {
          showError(error.message, false);
          state.loaded = true;
          render(true);
        });
      }).then(syncChoiceButtons);
    });
    return queue;
  }

  function readUserField() {
    var value = els.user.value.trim();
    if (!value) {
      showError("Bitte eine Nutzer-ID eingeben (please enter a user id).", false);
      return "";
    }
    if (value.length > MAX_USER) {
      showError("Die Nutzer-ID ist zu lang (user id too long, at most 64).", false);
      return "";
    }
    return value;
  }

  function switchUser(user) {
    if (!user) { return; }
    els.user.value = user;
    if (user === state.user) { return; }
    state.user = user;
    state.generation += 1;
    state.messages = [];
    state.pending = [];
    state.loaded = false;
    state.shownKey = "";
    storageSet(user);
    clearError(false);
    render(true);
    renderUsers([]);
    loadTranscript(true).catch(function (error) { showError(error.message, true); });
    loadUsers().catch(function () { /* the next poll retries */ });
  }

  // Makes sure the user in the text field is the one we talk as, before sending.
  function ensureUser() {
    var user = readUserField();
    if (user && user !== state.user) { switchUser(user); }
    return user;
  }

  function sendText() {
    var text = els.text.value;
    if (!text.trim()) { return; }
    if (!ensureUser()) { return; }
    els.text.value = "";
    autoGrow();
    post({ text: text }, text, true);
  }

  // ---- events --------------------------------------------------------------------------

  function autoGrow() {
    els.text.style.height = "auto";
    els.text.style.height = Math.min(els.text.scrollHeight + 4, 200) + "px";
  }

  els.form.addEventListener("submit", function (event) {
    event.preventDefault();
    sendText();
    els.text.focus();
  });

  els.text.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendText();
    }
  });
  els.text.addEventListener("input", autoGrow);

  els.messages.addEventListener("click", function (event) {
    var button = event.target.closest("button.choice");
    if (!button || button.disabled || !ensureUser()) { return; }
    post({ choice: button.dataset.choiceId }, button.textContent, false);
  });

  els.start.addEventListener("click", function () {
    if (!ensureUser()) { return; }
    post({ text: "/start" }, "/start", false);
  });

  els.user.addEventListener("change", function () { switchUser(readUserField()); });
  els.user.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      switchUser(readUserField());
    }
  });

  els.users.addEventListener("change", function () {
    if (els.users.value) { switchUser(els.users.value); }
  });

  els.newUser.addEventListener("click", function () {
    var number = 1000 + Math.floor(Math.random() * 9000);
    switchUser("user-" + number);
    els.text.focus();
  });

  document.addEventListener("visibilitychange", poll);

  // ---- start ---------------------------------------------------------------------------

  var remembered = storageGet();
  switchUser(remembered && remembered.trim() ? remembered.trim().slice(0, MAX_USER) : "amina");
  window.setInterval(poll, POLL_MS);
})();
