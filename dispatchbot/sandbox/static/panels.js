// The alerts and pager panels: a drawer beside the workspace. Sample alerts go to the bot's alert
// endpoint and pager buttons act on the PagerDuty fake, both through /api/panels/*, as the person
// chosen under "Acting as". The pager list refreshes on workspace changes and every few seconds,
// since a page acknowledged here changes nothing in Slack until the bot's next poll.
"use strict";

(() => {
  const REFRESH_MS = 3000;
  const STYLE = `
#panels { position: fixed; right: 1rem; bottom: 4rem; max-width: 26rem; max-height: 70vh; overflow: auto;
  background: #fff; border: 1px solid #bbb; border-radius: 6px; box-shadow: 0 2px 8px rgba(0,0,0,.2); z-index: 5; }
#panels > details > summary { cursor: pointer; padding: .4rem .8rem; font-weight: bold; }
#panels .panel { padding: 0 .8rem .6rem; }
#panels .panel h2 { font-size: 1rem; margin: .6rem 0 .3rem; }
#panels .panel-list { list-style: none; padding: 0; margin: 0; }
#panels .panel-list li { margin: .25rem 0; }
#panels button { margin-left: .3rem; }
#panels .panel-result { overflow-wrap: anywhere; }`;

  const container = document.getElementById("panels");
  if (!container) return;
  const acting = () => document.getElementById("acting-as")?.value || "";

  function build() {
    const style = document.createElement("style");
    style.textContent = STYLE;
    document.head.append(style);
    const drawer = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "Alerts and pager";
    const alerts = document.createElement("div");
    alerts.id = "alerts-panel";
    const pager = document.createElement("div");
    pager.id = "pager-panel";
    drawer.append(summary, alerts, pager);
    container.append(drawer);
    return { alerts, pager };
  }

  const { alerts, pager } = build();

  async function load(target, path) {
    const who = acting();
    if (!who) return;
    try {
      const response = await fetch(`${path}?as=${encodeURIComponent(who)}`);
      if (response.ok) target.innerHTML = await response.text();
    } catch {
      // The network is down: the next poll or change asks again, and the page says it is reconnecting.
    }
  }

  function say(panel, text) {
    const result = panel.querySelector(".panel-result");
    if (result) result.textContent = text;
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ as: acting(), ...body }),
    });
    const answer = await response.json().catch(() => ({}));
    return response.ok ? answer : { status: response.status, answer: answer.error || answer };
  }

  // "202 accepted: created", or the status and whatever else came back.
  function describe(reply) {
    const answer = reply.answer;
    if (answer && Array.isArray(answer.alerts)) {
      return `${reply.status} ${answer.status}: ${answer.alerts.map((a) => a.action).join(", ")}`;
    }
    const detail = typeof answer === "string" ? answer : JSON.stringify(answer);
    return `${reply.status}: ${detail}`;
  }

  alerts.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-sample]");
    if (!button) return;
    say(alerts, `Sending ${button.textContent} …`);
    const reply = await post("/api/panels/alert", { sample: button.dataset.sample });
    say(alerts, `${button.textContent}: ${describe(reply)}`);
  });

  pager.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const reply = await post("/api/panels/page", {
      incident: button.dataset.incident,
      action: button.dataset.action,
    });
    await load(pager, "/api/panels/pager");
    say(pager, `${button.getAttribute("aria-label")}: ${reply.status === 200 ? "done" : describe(reply)}`);
  });

  const refresh = () => load(pager, "/api/panels/pager");
  document.addEventListener("change", (event) => {
    if (event.target.id === "acting-as") refresh();
  });
  new EventSource("/api/events").addEventListener("changed", refresh);
  setInterval(refresh, REFRESH_MS);
  // The person switcher is filled once app.js has the session; wait for it.
  const start = setInterval(() => {
    if (!acting()) return;
    clearInterval(start);
    load(alerts, "/api/panels/alerts");
    refresh();
  }, 100);
})();
