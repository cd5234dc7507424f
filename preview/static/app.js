// The preview's chat page: draws what the bot sent each person and sends what they do.
// Everything comes from this machine (/api/...); nothing is fetched from the internet.
"use strict";

// The page's own words come from content/<lang>/preview.po (GET /api/words), like the bot's.
const ALLOWED = {
  b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u", s: "s", strike: "s", del: "s",
  a: "a", code: "code", pre: "pre", blockquote: "blockquote", "tg-spoiler": "span",
};

const page = {
  lang: localStorage.getItem("preview-lang") || "km",
  sideBySide: localStorage.getItem("preview-layout")
    ? localStorage.getItem("preview-layout") === "all"
    : window.innerWidth >= 1100,
  active: "villager",
  words: {}, // language -> key -> text
  version: -1,
  state: null,
  panes: {},
  seen: {}, // persona -> number of messages already read
  alertsSeen: -1,
  pendingLink: null,
};

function words() { return page.words[page.lang] || {}; }
function say(key, values = {}) {
  return String(words()[key] ?? "").replace(/\{(\w+)\}/g, (_, name) => numerals(values[name] ?? ""));
}
// Khmer readers see Khmer digits, as in the bot's own messages.
function numerals(value) {
  const text = String(value);
  return page.lang === "km" ? text.replace(/[0-9]/g, (d) => "០១២៣៤៥៦៧៨៩"[Number(d)]) : text;
}
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---- talking to the preview server ----------------------------------------------------------

async function act(action, body) {
  const response = await fetch(`/api/${action}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Preview": "1" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${action}: ${response.status}`);
}

async function poll() {
  for (;;) {
    try {
      const response = await fetch(`/api/state?after=${page.version}`);
      if (!response.ok) throw new Error(String(response.status));
      const state = await response.json();
      document.getElementById("offline").hidden = true;
      page.version = state.version;
      page.state = state;
      draw();
    } catch (error) {
      document.getElementById("offline").hidden = false;
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }
}

// ---- the bot's formatting: Telegram's HTML subset, rebuilt element by element ----------------

function formatted(html) {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  return rebuild(parsed.body);
}

// Telegram's apps turn web addresses in a message into links; so does the page.
const ADDRESS = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]|t\.me\/[^\s<>"]+[^\s<>".,;:!?)\]])/g;

function linked(text) {
  const out = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(ADDRESS)) {
    out.append(text.slice(last, match.index));
    const anchor = el("a", "", match[0]);
    link(anchor, match[0].startsWith("http") ? match[0] : `https://${match[0]}`);
    out.append(anchor);
    last = match.index + match[0].length;
  }
  out.append(text.slice(last));
  return out;
}

function rebuild(node, inLink = false) {
  const out = document.createDocumentFragment();
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      out.append(inLink ? child.textContent : linked(child.textContent));
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const tag = ALLOWED[child.tagName.toLowerCase()];
      if (!tag) { out.append(rebuild(child, inLink)); continue; }
      const copy = document.createElement(tag);
      if (tag === "a") link(copy, child.getAttribute("href") || "");
      copy.append(rebuild(child, inLink || tag === "a"));
      out.append(copy);
    }
  }
  return out;
}

// A link to this bot with ?start=… is what a leader invite or a shared invitation looks like:
// in Telegram it opens the bot for whoever taps it, so here the page asks who that is.
function startPayload(href) {
  let url;
  try { url = new URL(href); } catch { return null; }
  if (url.hostname !== "t.me") return null;
  if (url.pathname === "/share/url") return startPayload(url.searchParams.get("url") || "");
  const username = page.state ? page.state.bot.username : "";
  if (url.pathname.replace(/^\//, "").toLowerCase() !== username.toLowerCase()) return null;
  return url.searchParams.get("start") || "";
}

function link(anchor, href) {
  anchor.href = href;
  const payload = startPayload(href);
  if (payload !== null) {
    anchor.addEventListener("click", (event) => {
      event.preventDefault();
      choose(payload);
    });
  } else {
    anchor.target = "_blank";
    anchor.rel = "noopener noreferrer";
  }
}

function choose(payload) {
  page.pendingLink = payload;
  const people = document.getElementById("chooser-people");
  people.replaceChildren();
  for (const person of page.state.personas) {
    const button = el("button", "", `${say(person.key)} — ${person.name}`);
    button.type = "button";
    button.dataset.persona = person.key;
    button.addEventListener("click", async () => {
      document.getElementById("chooser").hidden = true;
      select(person.key);
      const text = payload ? `/start ${payload}` : "/start";
      await send(person.key, text);
    });
    people.append(button);
  }
  document.getElementById("chooser").hidden = false;
}

// ---- drawing ---------------------------------------------------------------------------------

function draw() {
  const state = page.state;
  if (!state) return;
  for (const person of state.personas) {
    if (!page.panes[person.key]) makePane(person);
    drawPane(person, state.chats[person.key] || []);
  }
  drawTabs();
  drawTime();
  drawAlerts();
}

function makePane(person) {
  const pane = document.getElementById("pane-template").content.firstElementChild.cloneNode(true);
  pane.dataset.persona = person.key;
  pane.querySelector(".avatar").textContent = person.name.slice(0, 1);
  pane.querySelector(".name").textContent = person.name;
  const form = pane.querySelector(".composer");
  const box = form.querySelector("textarea");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = box.value;
    if (!text.trim()) return;
    box.value = "";
    await send(person.key, text);
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  pane.querySelector(".menu-button").addEventListener("click", () => toggleCommands(person.key));
  const picker = pane.querySelector(".voice-file");
  pane.querySelector(".voice-button").addEventListener("click", () => picker.click());
  picker.addEventListener("change", async () => {
    const file = picker.files[0];
    picker.value = "";
    if (file) await sendVoice(person.key, file);
  });
  pane.querySelector(".popup-ok").addEventListener("click", () => {
    pane.querySelector(".popup").hidden = true;
  });
  pane.addEventListener("click", () => { page.active = person.key; drawTabs(); });
  document.getElementById("chats").append(pane);
  page.panes[person.key] = pane;
  page.seen[person.key] = page.seen[person.key] || 0;
  translate();
}

function drawPane(person, chat) {
  const pane = page.panes[person.key];
  const list = pane.querySelector(".messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const before = list.dataset.count ? Number(list.dataset.count) : -1;
  // Unchanged messages keep their element, so a playing recording is not cut off by an update.
  const cache = pane.cache || (pane.cache = new Map());
  const nodes = [];
  for (const message of chat) {
    const key = `${message.id}`;
    const signature = JSON.stringify(message) + page.lang;
    const kept = cache.get(key);
    if (kept && kept.signature === signature) {
      nodes.push(kept.node);
    } else {
      const node = drawMessage(person, message);
      cache.set(key, { signature, node });
      nodes.push(node);
    }
  }
  if (chat.length === 0) nodes.push(el("div", "empty", say("empty")));
  list.replaceChildren(...nodes);
  list.dataset.count = String(chat.length);
  if (atBottom || chat.length !== before) list.scrollTop = list.scrollHeight;
  if (page.active === person.key || page.sideBySide) page.seen[person.key] = chat.length;
  drawReplyKeyboard(person, chat);
}

function drawMessage(person, message) {
  const box = el("div", `message ${message.from_bot ? "bot" : "me"}`);
  box.dataset.id = String(message.id);
  const bubble = el("div", "bubble");
  if (message.kind === "photo" && message.file) {
    const image = el("img");
    image.src = message.file;
    image.alt = message.caption || "";
    bubble.append(image);
  } else if ((message.kind === "audio" || message.kind === "voice") && message.file) {
    const audio = el("audio");
    audio.controls = true;
    audio.preload = "none";
    audio.src = message.file;
    bubble.append(audio);
  } else if (message.kind === "document" && message.file) {
    const file = el("a", "document", message.file_name || "document");
    file.href = message.file;
    file.download = message.file_name || "";
    bubble.append(file);
  } else if (message.html) {
    bubble.append(formatted(message.text));
  } else {
    bubble.append(linked(message.text));
  }
  if (message.caption) {
    const caption = el("div", "caption");
    caption.append(message.html ? formatted(message.caption) : linked(message.caption));
    bubble.append(caption);
  }
  const stamp = clockTime(new Date(message.date * 1000));
  bubble.append(el("span", "meta", message.edited ? `${say("edited")} ${stamp}` : stamp));
  box.append(bubble);
  if (message.inline.length) box.append(drawInline(person, message));
  return box;
}

function drawInline(person, message) {
  const keyboard = el("div", "inline");
  for (const row of message.inline) {
    const line = el("div", "row");
    for (const button of row) {
      if (button.url) {
        const anchor = el("a", "", button.text);
        link(anchor, button.url);
        line.append(anchor);
      } else {
        const press = el("button", "", button.text);
        press.type = "button";
        press.addEventListener("click", async (event) => {
          event.stopPropagation();
          page.active = person.key;
          try {
            await act("press", { persona: person.key, message_id: message.id, data: button.data });
          } catch {
            toast(person.key, say("not_sent"));
          }
        });
        line.append(press);
      }
    }
    keyboard.append(line);
  }
  return keyboard;
}

function drawReplyKeyboard(person, chat) {
  const area = page.panes[person.key].querySelector(".reply-keyboard");
  let rows = [];
  for (const message of chat) {
    if (!message.from_bot) continue;
    if (message.keyboard.length) rows = message.keyboard;
    if (message.remove_keyboard) rows = [];
  }
  area.replaceChildren();
  for (const row of rows) {
    const line = el("div", "row");
    for (const label of row) {
      const button = el("button", "", label);
      button.type = "button";
      button.addEventListener("click", () => send(person.key, label));
      line.append(button);
    }
    area.append(line);
  }
  area.hidden = rows.length === 0;
}

function toggleCommands(key) {
  const menu = page.panes[key].querySelector(".commands");
  if (!menu.hidden) { menu.hidden = true; return; }
  const all = page.state.commands;
  // Telegram shows the menu in the app's language; the page's language stands in for it.
  const commands = all[page.lang] || all[""] || [];
  menu.replaceChildren();
  for (const item of commands) {
    const button = el("button");
    button.type = "button";
    button.append(el("span", "command", `/${item.command}`), item.description);
    button.addEventListener("click", async () => {
      menu.hidden = true;
      await send(key, `/${item.command}`);
    });
    menu.append(button);
  }
  menu.hidden = commands.length === 0;
}

function drawTabs() {
  const tabs = document.getElementById("people");
  tabs.replaceChildren();
  for (const person of page.state.personas) {
    const tab = el("button", "", say(person.key));
    tab.type = "button";
    tab.setAttribute("role", "tab");
    tab.dataset.persona = person.key;
    tab.setAttribute("aria-selected", String(person.key === page.active));
    const unread = (page.state.chats[person.key] || []).length - (page.seen[person.key] || 0);
    if (unread > 0 && !page.sideBySide && person.key !== page.active) {
      tab.append(el("span", "unread", String(unread)));
    }
    tab.addEventListener("click", () => select(person.key));
    tabs.append(tab);
  }
  const chats = document.getElementById("chats");
  chats.classList.toggle("side-by-side", page.sideBySide);
  for (const [key, pane] of Object.entries(page.panes)) {
    pane.classList.toggle("active", key === page.active);
    pane.querySelector(".role").textContent = say(key);
  }
  document.getElementById("layout").textContent = say(page.sideBySide ? "one_at_a_time" : "side_by_side");
}

function select(key) {
  page.active = key;
  page.seen[key] = (page.state.chats[key] || []).length;
  drawTabs();
  const pane = page.panes[key];
  if (pane) pane.querySelector("textarea").focus();
}

// Message times in Phnom Penh (UTC+7 all year); the bar's day and time come from the server.
const PHNOM_PENH_MS = 7 * 3600 * 1000;

function clockTime(date) {
  const local = new Date(date.getTime() + PHNOM_PENH_MS);
  const pad = (n) => String(n).padStart(2, "0");
  return numerals(`${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`);
}

function drawTime() {
  document.getElementById("now").textContent = page.state.clock[page.lang] || "";
  const hours = Math.round(page.state.offset_hours);
  const span = hours >= 24 && hours % 24 === 0 ? say("days", { n: hours / 24 }) : say("hours", { n: hours });
  document.getElementById("ahead").textContent = hours > 0 ? say("ahead", { n: span }) : "";
}

function drawAlerts() {
  const alerts = page.state.alerts;
  const newest = alerts.length ? alerts[alerts.length - 1].seq : -1;
  if (page.alertsSeen === -1) { page.alertsSeen = newest; return; } // not the old ones again
  for (const alert of alerts) {
    if (alert.seq <= page.alertsSeen) continue;
    const person = page.state.personas.find((p) => p.id === alert.chat);
    if (!person) continue;
    if (alert.kind === "alert") {
      const popup = page.panes[person.key].querySelector(".popup");
      popup.querySelector(".popup-text").textContent = alert.text;
      popup.hidden = false;
    } else {
      toast(person.key, alert.text);
    }
  }
  page.alertsSeen = Math.max(page.alertsSeen, newest);
}

function toast(key, text) {
  const box = page.panes[key].querySelector(".toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(box.timer);
  box.timer = setTimeout(() => { box.hidden = true; }, 3500);
}

async function send(key, text) {
  page.active = key;
  try {
    await act("send", { persona: key, text });
  } catch {
    toast(key, say("not_sent"));
  }
}

// A recording picked on the page goes to the bot as a voice message (staff record with it).
const VOICE_TYPES = { ogg: "audio/ogg", oga: "audio/ogg", opus: "audio/ogg", mp3: "audio/mpeg", m4a: "audio/mp4" };

async function sendVoice(key, file) {
  page.active = key;
  const type = VOICE_TYPES[file.name.split(".").pop().toLowerCase()] || file.type;
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  try {
    await act("voice", { persona: key, mime_type: type, data: btoa(binary) });
  } catch {
    toast(key, say("not_sent"));
  }
}

// ---- the page's own controls ------------------------------------------------------------------

function translate() {
  document.documentElement.lang = page.lang;
  document.title = say("title");
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = say(node.dataset.t);
  for (const box of document.querySelectorAll(".composer textarea")) box.placeholder = say("type_message");
  const other = page.lang === "km" ? "en" : "km";
  const toggle = document.getElementById("chrome-lang");
  toggle.textContent = say("other_language"); // the other language, named in itself
  toggle.lang = other;
  const steps = document.getElementById("guide-steps");
  const guide = Object.keys(words()).filter((key) => key.startsWith("step_")).sort();
  steps.replaceChildren(...guide.map((key) => el("li", "", say(key))));
  if (page.state) { drawTabs(); drawTime(); }
}

function start() {
  for (const button of document.querySelectorAll("[data-step]")) {
    button.addEventListener("click", () => act("advance", { step: button.dataset.step }).catch(() => {
      document.getElementById("offline").hidden = false;
    }));
  }
  document.getElementById("layout").addEventListener("click", () => {
    page.sideBySide = !page.sideBySide;
    localStorage.setItem("preview-layout", page.sideBySide ? "all" : "one");
    drawTabs();
  });
  document.getElementById("chrome-lang").addEventListener("click", () => {
    page.lang = page.lang === "km" ? "en" : "km";
    localStorage.setItem("preview-lang", page.lang);
    translate();
    if (page.state) draw();
  });
  document.getElementById("help").addEventListener("click", () => {
    document.getElementById("guide").hidden = false;
  });
  document.getElementById("guide-close").addEventListener("click", () => {
    document.getElementById("guide").hidden = true;
  });
  document.getElementById("chooser-cancel").addEventListener("click", () => {
    document.getElementById("chooser").hidden = true;
  });
  loadWords();
}

async function loadWords() {
  try {
    const response = await fetch("/api/words");
    page.words = await response.json();
  } catch {
    page.words = {};
  }
  if (!page.words[page.lang]) { // the bot is still starting: its content is not loaded yet
    setTimeout(loadWords, 300);
    return;
  }
  translate();
  poll();
}

start();
