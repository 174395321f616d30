// ShawBot moderation page: polls /api/status and reloads the queue, history and adapters when they change.
// Plain DOM, no build step. Cards are keyed by draft id, so a draft being edited is never re-rendered.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = { revision: -1, counts: "", adapters: "", history: "", cards: new Map() };

const moderatorInput = $("#moderator");
moderatorInput.value = localStorage.getItem("shawbot.moderator") || "";
moderatorInput.addEventListener("change", () => localStorage.setItem("shawbot.moderator", moderatorInput.value.trim()));
const moderator = () => moderatorInput.value.trim() || "web";

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
}

async function api(path, body) {
  const init = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const res = await fetch("api/" + path, init);
  const json = res.headers.get("content-type")?.includes("json") ? await res.json() : null;
  return { ok: res.ok, status: res.status, json };
}

function showError(text) {
  const e = $("#error");
  e.textContent = text;
  e.hidden = !text;
  if (text) setTimeout(() => { if (e.textContent === text) e.hidden = true; }, 6000);
}

const when = (iso) => iso ? new Date(iso).toLocaleString() : "";
const utc = (iso) => iso ? new Date(iso).toISOString().slice(11, 16) + " UTC" : "";

// A .NET TimeSpan ("[d.]hh:mm:ss[.fffffff]") as the reports write it: "3h", "2h 30m", "45m", "40s".
function duration(span) {
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(span || "");
  if (!m) return "";
  const seconds = ((+(m[1] || 0) * 24 + +m[2]) * 60 + +m[3]) * 60 + +m[4];
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.round(seconds / 60), h = Math.floor(minutes / 60), min = minutes % 60;
  return h === 0 ? `${min}m` : min === 0 ? `${h}h` : `${h}h ${min}m`;
}

// "Retrain: plan 300 examples · 120 steps · budget 3h · estimated finish 04:12 UTC" (the Discord report's plan line).
function planLine(progress) {
  const plan = progress?.plan;
  if (!plan) return "";
  const parts = [`plan ${plan.examples} examples`, `${plan.plannedSteps} steps`];
  if (plan.budget) parts.push("budget " + duration(plan.budget));
  if (plan.estimatedFinish) parts.push("estimated finish " + utc(plan.estimatedFinish));
  if (!progress.running && progress.finishedAt) parts.push("finished " + utc(progress.finishedAt));
  return "Retrain: " + parts.join(" · ");
}

// ---- review queue -------------------------------------------------------------------------------

function card(item) {
  const text = el("textarea", { class: "draft-text", value: item.draft, "aria-label": "draft reply" });
  const approve = el("button", { class: "approve", type: "button", text: "Approve" });
  const reject = el("button", { class: "reject", type: "button", text: "Reject" });
  const regenerate = el("button", { class: "regenerate", type: "button", text: "Regenerate" });
  const note = el("span", { class: "note" });
  const edited = () => text.value.trim() !== item.draft.trim();
  text.addEventListener("input", () => {
    text.classList.toggle("edited", edited());
    approve.textContent = edited() ? "Approve edited" : "Approve";
  });

  const node = el("article", { class: "card", "data-draft-id": String(item.draftId), "data-comment-id": item.commentId },
    el("div", { class: "meta" }, `${item.author} on `,
      el("span", { class: "platform", text: `${item.platform === "Discord" ? "💬" : "▶️"} ${item.platform}${item.source ? ` · ${item.source}` : ""} · ` }),
      el("a", { class: "video", href: item.link, target: "_blank", rel: "noopener noreferrer", text: item.videoTitle || item.videoId }),
      ` · ${when(item.commentPublishedAt)}`),
    el("div", { class: "comment", text: item.comment }),
    flagList(item.flags),
    text,
    el("div", { class: "actions" }, approve, reject, regenerate, note),
    el("div", { class: "meta", text: `drafted by ${item.modelName} + adapter ${item.adapterVersion} · ${when(item.draftedAt)}` }));

  async function decide(kind, body) {
    for (const b of [approve, reject, regenerate]) b.disabled = true;
    note.textContent = "…";
    const path = kind === "Regenerate" ? `drafts/${item.draftId}/regenerate` : `drafts/${item.draftId}/decision`;
    const res = await api(path, { kind, moderator: moderator(), ...body });
    if (res.ok || res.status === 409) {
      note.textContent = res.ok ? (kind === "Regenerate" ? "regenerating…" : "done") : "already handled elsewhere";
      node.classList.add("decided");
      setTimeout(refresh, 100);
    } else {
      note.textContent = res.json?.message || `failed (${res.status})`;
      for (const b of [approve, reject, regenerate]) b.disabled = false;
    }
  }

  approve.addEventListener("click", () => edited() ? decide("Edit", { text: text.value }) : decide("Approve", {}));
  reject.addEventListener("click", () => decide("Reject", {}));
  regenerate.addEventListener("click", () => decide("Regenerate", {}));
  return node;
}

// Screening flags as chips; an empty list stays in the DOM so that a later check can fill it.
function flagList(flags) {
  return el("ul", { class: "flags", "aria-label": "screening flags", "data-flags": JSON.stringify(flags) },
    ...flags.map((f) => el("li", { class: "flag", text: "⚠ " + f })));
}

function renderQueue(items) {
  const queue = $("#queue");
  const keep = new Set(items.map((i) => i.draftId));
  for (const [id, node] of state.cards) {
    if (!keep.has(id)) { node.remove(); state.cards.delete(id); }
  }
  for (const item of items) {
    const existing = state.cards.get(item.draftId);
    const flags = existing?.querySelector(".flags");
    if (flags && flags.getAttribute("data-flags") !== JSON.stringify(item.flags)) {
      flags.replaceWith(flagList(item.flags)); // only the chips: the draft being edited is left alone
    }
    if (!existing) {
      const node = card(item);
      state.cards.set(item.draftId, node);
      queue.append(node);
    }
  }
  $("#queue-count").textContent = String(items.length);
  $("#queue-empty").hidden = items.length > 0;
}

// ---- history ------------------------------------------------------------------------------------

function renderHistory(items) {
  const key = JSON.stringify(items);
  if (key === state.history) return;
  state.history = key;
  const rows = items.map((h) => el("tr", { "data-comment-id": h.commentId },
    el("td", {}, el("div", { class: "muted", text: h.videoTitle ? `${h.author} · ${h.videoTitle}` : h.author }), el("div", { text: h.comment })),
    el("td", { text: `${h.decision || ""}${h.moderator ? " by " + h.moderator : ""}`, title: when(h.decidedAt) }),
    el("td", { class: "reply", text: h.finalText || (h.decision === "Reject" ? "(rejected draft) " + h.draft : "") }),
    el("td", { class: "state-" + h.state, text: h.state + (h.postedAt ? " " + when(h.postedAt) : "") + (h.reason ? " — " + h.reason : "") })));
  $("#history tbody").replaceChildren(...rows);
}

// ---- adapters and retraining --------------------------------------------------------------------

function renderAdapters(listing) {
  const key = JSON.stringify(listing);
  if (key === state.adapters) return;
  state.adapters = key;
  const items = listing.versions.map((v) => el("li", { class: v.isActive ? "active" : "", "data-version": v.version },
    el("strong", { text: v.version }),
    el("span", { class: "muted", text: (v.evalLoss != null ? ` eval loss ${v.evalLoss.toFixed(4)}` : " eval loss n/a") + (v.createdAt ? " · " + when(v.createdAt) : "") }),
    v.hasLossCurve ? el("img", { src: `api/adapters/${encodeURIComponent(v.version)}/loss-curve.svg`, alt: `loss curve of ${v.version}`, loading: "lazy" }) : null));
  $("#adapters").replaceChildren(...items);
  $("#adapters-empty").hidden = items.length > 0;
}

function renderStatus(s) {
  const counts = Object.entries(s.queueSizes).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(" · ");
  $("#counts").textContent = counts || "no comments yet";
  $("#active-adapter").textContent = s.activeAdapter || "none";
  const quota = $("#quota");
  quota.hidden = !s.quota;
  if (s.quota) {
    const paused = s.quota.pausedUntil;
    quota.textContent = paused
      ? `YouTube quota exceeded — paused until ${when(paused)}`
      : `YouTube quota ${s.quota.spentToday} / ${s.quota.dailyBudget} today`;
    quota.classList.toggle("paused", !!paused);
  }
  $("#last-retrain").textContent = s.lastRetrainSummary ? `Last retrain ${when(s.lastRetrainAt)}: ${s.lastRetrainSummary}` : "";

  const button = $("#retrain");
  const progress = s.retrainProgress;
  const running = !!progress?.running;
  button.disabled = !s.retrainConfigured || running;
  button.title = s.retrainConfigured ? "" : "retraining not configured";
  $("#rollback").hidden = !s.rollbackConfigured;
  $("#rollback").disabled = !s.rollbackConfigured || running;

  const bar = $("#retrain-progress");
  let line = "";
  if (!s.retrainConfigured) line = "retraining not configured";
  else if (progress) {
    const steps = progress.totalSteps > 0 ? ` step ${progress.step}/${progress.totalSteps}` : progress.step > 0 ? ` step ${progress.step}` : "";
    const eta = running && progress.eta ? ` · ETA ${utc(progress.eta)}` : "";
    const speed = running && progress.tokensPerSecond ? ` · ${Math.round(progress.tokensPerSecond)} tok/s` : "";
    const loss = progress.loss != null ? ` · loss ${progress.loss.toFixed(4)}` : "";
    line = `${running ? "Retraining" : "Last retrain"}: ${progress.phase}${steps}${eta}${speed}${loss}${progress.message ? " — " + progress.message : ""}`;
    bar.hidden = !running;
    bar.value = progress.totalSteps > 0 ? progress.step / progress.totalSteps : 0;
    if (progress.totalSteps <= 0 && running) bar.removeAttribute("value");
  } else if (s.lastRetrainRequest) {
    line = `${s.lastRetrainRequest.message} (${when(s.lastRetrainRequest.at)})`;
  }
  if (!running) bar.hidden = true;
  $("#retrain-status").textContent = line;
  $("#retrain-plan").textContent = s.retrainConfigured ? planLine(progress) : "";
}

$("#retrain").addEventListener("click", async () => {
  $("#retrain").disabled = true;
  const res = await api("retrain", { moderator: moderator() });
  $("#retrain-status").textContent = res.json?.message || `retrain request failed (${res.status})`;
  setTimeout(refresh, 200);
});

$("#rollback").addEventListener("click", async () => {
  if (!confirm("Make the previous adapter live again?")) return;
  const res = await api("adapters/rollback", { moderator: moderator() });
  showError(res.ok ? "" : res.json?.message || `rollback failed (${res.status})`);
  setTimeout(refresh, 200);
});

// ---- polling ------------------------------------------------------------------------------------

let busy = false;
async function refresh() {
  if (busy) return;
  busy = true;
  try {
    const status = await api("status");
    if (!status.ok) throw new Error(`status ${status.status}`);
    renderStatus(status.json);
    const counts = JSON.stringify(status.json.queueSizes);
    if (status.json.revision !== state.revision || counts !== state.counts) {
      state.revision = status.json.revision;
      state.counts = counts;
      const [queue, history] = await Promise.all([api("queue"), api("history")]);
      if (queue.ok) renderQueue(queue.json);
      if (history.ok) renderHistory(history.json);
    }
    const adapters = await api("adapters");
    if (adapters.ok) renderAdapters(adapters.json);
    showError("");
  } catch (e) {
    showError("ShawBot is not answering: " + e.message);
  } finally {
    busy = false;
  }
}

refresh();
setInterval(refresh, 1500);
