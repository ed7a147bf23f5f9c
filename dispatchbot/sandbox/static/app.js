// dispatchbot sandbox page: fetches server-rendered fragments for the person acted as, sends what they
// do back as JSON, and re-fetches what it shows when the server says the workspace changed.
"use strict";

const state = {
  as: sessionStorage.getItem("sandbox.as") || "",
  start: "", // #general: where a person who cannot see the open channel lands
  channel: "",
  home: false,
  thread: null, // {channel, ts}
  limit: 100,
  commands: [],
};
const shown = { sidebar: "", main: "", thread: "", modal: "" };
const $ = (id) => document.getElementById(id);

function status(text, error = false) {
  const line = $("status");
  line.textContent = text;
  line.classList.toggle("error", error);
}

const UNREACHABLE = "No connection to the sandbox; reconnecting…";

async function fragment(path, params = {}) {
  const query = new URLSearchParams({ as: state.as, ...params });
  const response = await fetch(`${path}?${query}`).catch(() => {
    throw new Error(UNREACHABLE);
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({ error: response.statusText }));
    throw new Error(body.error);
  }
  return response.text();
}

async function post(path, body) {
  status("");
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ as: state.as, ...body }),
  }).catch(() => null);
  if (!response) {
    status(`Not sent. ${UNREACHABLE}`, true);
    return false;
  }
  const answer = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) {
    status(answer.error || "refused", true);
    return false;
  }
  return true;
}

// What is being typed in a region's composers, to put back after its HTML is replaced.
function typing(target) {
  return [...target.querySelectorAll(".composer textarea")].map((box) => ({
    label: box.getAttribute("aria-label"),
    value: box.value,
    focused: box === document.activeElement,
  }));
}

// The first message in view in a list and how far below the list's top it starts.
function inView(list) {
  const top = list.getBoundingClientRect().top;
  const item = [...list.children].find((li) => li.id && li.getBoundingClientRect().bottom > top);
  return item && { id: item.id, offset: item.getBoundingClientRect().top - top };
}

// Replace a region only when its HTML changed, keeping what was being typed in a composer and the
// messages in view: the newest when the list was scrolled to its end, else the same ones (older
// messages come in above them, newer below).
function show(region, html) {
  if (shown[region] === html) return false;
  shown[region] = html;
  const target = $(region);
  const typed = typing(target);
  const list = target.querySelector(".messages");
  const atBottom = !list || list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const kept = list && !atBottom ? inView(list) : null;
  target.innerHTML = html;
  for (const { label, value, focused } of typed) {
    const box = [...target.querySelectorAll(".composer textarea")].find((b) => b.getAttribute("aria-label") === label);
    if (!box) continue;
    box.value = value;
    if (focused) box.focus();
  }
  const messages = target.querySelector(".messages");
  const again = kept && messages?.querySelector(`#${CSS.escape(kept.id)}`);
  if (messages && atBottom) messages.scrollTop = messages.scrollHeight;
  else if (again) messages.scrollTop += again.getBoundingClientRect().top - messages.getBoundingClientRect().top - kept.offset;
  return true;
}

// Mark the open conversation in the sidebar; land on #general when it is no longer there to see.
function markCurrent() {
  const links = [...document.querySelectorAll(".sidebar a")];
  if (!state.home && !links.some((link) => link.dataset.channel === state.channel)) {
    Object.assign(state, { channel: state.start, thread: null, limit: 100 });
  }
  for (const link of links) {
    const current = state.home ? link.dataset.home === "true" : link.dataset.channel === state.channel;
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

let refreshing = null;
let again = false;

// Re-fetch what the page shows; calls made while one runs are folded into one more run after it.
function refresh() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      await load();
    } while (again);
    refreshing = null;
  })();
  return refreshing;
}

async function load() {
  if (!state.as) return;
  try {
    show("sidebar", await fragment("/api/sidebar", { open: state.home ? "" : state.channel }));
    markCurrent();
    if (state.home) show("main", await fragment("/api/home"));
    else if (state.channel) show("main", await fragment(`/api/channel/${state.channel}`, { limit: state.limit }));
    show("thread", state.thread ? await fragment(`/api/thread/${state.thread.channel}/${state.thread.ts}`) : "");
    const hadModal = shown.modal !== "";
    if (show("modal", await fragment("/api/modal"))) focusAroundModal(hadModal);
  } catch (error) {
    status(error.message, true);
  }
}

let opener = null; // what had the focus when a modal opened, to give it back when it closes

function focusAroundModal(hadModal) {
  if (shown.modal && !hadModal) {
    opener = document.activeElement;
    $("modal").querySelector("input, select, textarea, button[type=submit]")?.focus();
  } else if (!shown.modal && hadModal) {
    (opener?.isConnected ? opener : document.querySelector("#main .composer textarea"))?.focus();
    opener = null;
  }
}

function openChannel(id) {
  Object.assign(state, { channel: id, home: false, thread: null, limit: 100 });
  refresh();
}

// The values of a form's inputs, block_id -> action_id -> value, as the driver's View.enter takes them.
function formValues(form) {
  const values = {};
  if (!form) return values;
  for (const control of form.querySelectorAll(".b-input [data-action-id]")) {
    const value = controlValue(control);
    if (value === undefined) continue;
    (values[control.dataset.blockId] ||= {})[control.dataset.actionId] = value;
  }
  return values;
}

// What one input control holds, or undefined when it holds nothing to enter (text inputs may be "").
function controlValue(control) {
  const kind = control.dataset.kind;
  let value;
  if (kind === "checkboxes") value = [...control.querySelectorAll("input:checked")].map((i) => i.value);
  else if (kind === "radio_buttons") value = control.querySelector("input:checked")?.value;
  else if (control.multiple) value = [...control.selectedOptions].map((o) => o.value);
  else if (kind === "datetimepicker") value = control.value ? Math.floor(new Date(control.value).getTime() / 1000) : "";
  else value = control.value;
  if (value === undefined || (value === "" && kind !== "plain_text_input")) return undefined;
  return value;
}

// Where an element sits (a message, an ephemeral or a view) and which element it is, for /api/action.
// In a view, what the person entered so far goes along, as Slack sends the view's state with an action.
function actionTarget(control) {
  const where = control.closest("[data-container]")?.dataset || {};
  const target = {
    container: where.container,
    channel: where.channel,
    ts: where.ts,
    view_id: where.viewId,
    block_id: control.dataset.blockId,
    action_id: control.dataset.actionId,
  };
  if (where.container === "view") target.values = formValues(control.closest("form, .home"));
  return target;
}

// ---------------------------------------------------------------- composer and command completion

function completions(box) {
  const typed = box.value;
  if (!typed.startsWith("/") || /\s/.test(typed)) return [];
  return state.commands.filter((command) => command.startsWith(typed) && command !== typed);
}

function offerCompletions(box) {
  const form = box.closest(".composer");
  let list = form.querySelector(".completions");
  const found = completions(box);
  if (!found.length) {
    list?.remove();
    return;
  }
  if (!list) {
    list = document.createElement("div");
    list.className = "completions";
    list.setAttribute("role", "group");
    list.setAttribute("aria-label", "Commands");
    form.prepend(list);
  }
  list.replaceChildren(...found.map((command) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "completion";
    button.textContent = command;
    return button;
  }));
}

function complete(box, command) {
  box.value = `${command} `;
  box.closest(".composer").querySelector(".completions")?.remove();
  box.focus();
}

document.addEventListener("input", (event) => {
  if (event.target.matches(".composer textarea")) offerCompletions(event.target);
});

document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (box.matches?.(".composer textarea")) {
    const found = completions(box);
    if (event.key === "Tab" && found.length) {
      event.preventDefault();
      complete(box, found[0]);
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      box.form.requestSubmit();
    }
    return;
  }
  const close = $("modal").querySelector("[data-view-close]");
  if (event.key === "Escape" && close && !$("confirm").open) close.click(); // Escape in a dialog closes only it
});

// ---------------------------------------------------------------- what the person does

// A button with a Block Kit `confirm` asks first, in the page's one <dialog> (outside the regions a
// refresh replaces); resolves true only when the person chose the dialog's confirm button.
function confirmed(button) {
  const template = button.nextElementSibling;
  if (button.getAttribute("aria-haspopup") !== "dialog" || !template?.matches("template.b-confirm")) {
    return Promise.resolve(true);
  }
  const dialog = $("confirm");
  dialog.querySelector("form").replaceChildren(template.content.cloneNode(true));
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
  });
}

document.addEventListener("click", async (event) => {
  const el = event.target.closest("a, button");
  if (!el) return;
  if (el.matches("a[data-channel]")) { event.preventDefault(); openChannel(el.dataset.channel); return; }
  if (el.matches("a[data-home]")) {
    event.preventDefault();
    Object.assign(state, { home: true, thread: null });
    await post("/api/home", {});
    refresh();
    return;
  }
  if (el.matches("button.completion")) { complete(el.closest(".composer").querySelector("textarea"), el.textContent); return; }
  if (el.matches("button[data-action-id]") && !el.closest(".b-input")) {
    const target = actionTarget(el); // read now: a refresh may replace the button while a dialog asks
    if (!(await confirmed(el))) return;
    if (el.dataset.url) window.open(el.dataset.url, "_blank", "noopener");
    await post("/api/action", target);
  } else if (el.matches("[data-view-close], [data-view-back]")) {
    await post("/api/close", { view_id: el.closest("form").dataset.viewId });
  } else if (el.matches("button.reaction")) {
    await post("/api/react", { channel: el.dataset.channel, ts: el.dataset.ts, name: el.dataset.react });
  } else if (el.matches("button.thread-link")) {
    state.thread = { channel: el.dataset.channel, ts: el.dataset.thread };
  } else if (el.matches("button.close-thread")) {
    state.thread = null;
  } else if (el.matches("button.join")) {
    await post("/api/join", { channel: el.dataset.join });
  } else if (el.matches("button.older")) {
    state.limit = Number(el.dataset.limit);
  } else return;
  refresh();
});

document.addEventListener("change", async (event) => {
  const el = event.target;
  const input = el.closest(".b-input");
  if (el.id === "acting-as") {
    state.as = el.value;
    sessionStorage.setItem("sandbox.as", el.value);
    Object.assign(state, { thread: null, home: false });
  } else if (el.matches("select.react-picker") && el.value) {
    await post("/api/react", { channel: el.dataset.channel, ts: el.dataset.ts, name: el.value });
  } else if (input?.matches("[data-dispatch]")) {
    // dispatch_action: Slack tells the app as soon as the input changes, with the whole view's state
    const control = input.querySelector("[data-action-id]");
    if (controlValue(control) === undefined) return;
    await post("/api/action", { ...actionTarget(control), dispatch: true });
  } else if (el.matches("select[data-action-id]") && !input && el.value) {
    await post("/api/action", { ...actionTarget(el), option: el.value });
  } else return;
  refresh();
});

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (form.method === "dialog") return; // a confirmation's answer: the browser closes its dialog
  event.preventDefault();
  if (form.matches(".composer")) {
    const box = form.querySelector("textarea");
    const sent = await post("/api/send", { channel: form.dataset.channel, thread: form.dataset.thread || "", text: box.value });
    if (!sent) return; // nothing changed: the text stays, and the status line says why
    box.value = "";
    form.querySelector(".completions")?.remove();
  } else if (form.matches(".view-form")) {
    await post("/api/submit", { view_id: form.dataset.viewId, values: formValues(form) });
  }
  refresh();
});

async function start() {
  const session = await (await fetch("/api/session")).json();
  const select = $("acting-as");
  for (const person of session.people) select.add(new Option(`${person.real_name} (@${person.name})`, person.id));
  if (!session.people.some((p) => p.id === state.as)) state.as = session.people[0]?.id || "";
  select.value = state.as;
  state.commands = session.commands;
  state.channel = state.start = session.start;
  const events = new EventSource("/api/events");
  events.addEventListener("changed", refresh);
  events.addEventListener("hello", () => { // also after a reconnect: catch up on what was missed
    status("");
    refresh();
  });
  events.onerror = () => { // every retry fails while the network is down: keep what was said then
    if (!$("status").textContent.endsWith("reconnecting…")) status("reconnecting…");
  };
}

start();
