// The board dashboard: renders /api/events (the board's state as JSON,
// sent as it changes) and posts the controls' actions to /api/….
"use strict";

const cards = new Map();
let controlsEnabled = true;
let dragging = null;

function post(url) {
  return fetch(url, { method: "POST" }).then((r) => {
    if (!r.ok) r.text().then((t) => console.warn(url, r.status, t));
  });
}

function seconds(ms) {
  return (ms / 1000).toFixed(3) + " s";
}

function card(pin) {
  let c = cards.get(pin.gpio);
  if (c && c.kind === pin.kind && c.button === pin.button) return c;
  const el = document.createElement("div");
  el.className = "pin";
  el.id = "pin-" + pin.gpio;
  el.innerHTML = '<h3><span class="name"></span><small>GPIO ' + pin.gpio + "</small></h3>";
  const body = document.createElement("div");
  el.appendChild(body);
  c = { el, kind: pin.kind, button: pin.button };
  if (pin.kind === "analog") {
    c.slider = document.createElement("input");
    c.slider.type = "range";
    c.slider.min = 0;
    c.slider.max = 65535;
    c.slider.step = 1;
    c.slider.id = "adc-" + pin.gpio;
    c.slider.setAttribute("aria-label", "potentiometer on GPIO " + pin.gpio);
    const send = () => post("/api/adc/" + pin.gpio + "?value=" + c.slider.value);
    c.slider.addEventListener("pointerdown", () => (dragging = c.slider));
    c.slider.addEventListener("pointerup", () => (dragging = null));
    c.slider.addEventListener("input", send);
    c.slider.addEventListener("change", () => { dragging = null; send(); });
    body.appendChild(c.slider);
  } else if (pin.button) {
    c.click = document.createElement("button");
    c.click.id = "click-" + pin.gpio;
    c.click.textContent = "press & release";
    c.click.addEventListener("click", () => post("/api/click/" + pin.gpio));
    c.hold = document.createElement("button");
    c.hold.id = "hold-" + pin.gpio;
    c.hold.textContent = "hold";
    c.hold.addEventListener("click", () =>
      post("/api/" + (c.hold.classList.contains("held") ? "release/" : "press/") + pin.gpio));
    body.append(c.click, c.hold);
  } else {
    c.lamp = document.createElement("span");
    c.lamp.className = "lamp";
    body.appendChild(c.lamp);
  }
  c.value = document.createElement("span");
  c.value.className = "value";
  body.appendChild(c.value);
  c.detail = document.createElement("div");
  c.detail.className = "detail";
  el.appendChild(c.detail);
  const old = cards.get(pin.gpio);
  if (old) old.el.replaceWith(el);
  else document.getElementById("pins").appendChild(el);
  cards.set(pin.gpio, c);
  return c;
}

function render(state) {
  document.getElementById("board").textContent = state.board;
  const clock = document.getElementById("clock");
  if (state.clock === "virtual" && state.replay) {
    const done = state.replay.t_ms >= state.replay.end_ms;
    clock.textContent = done
      ? "virtual time: the recorded run is over, this is its end state (controls off; reload to replay)"
      : "virtual time: replaying the recorded run at real speed, " + seconds(state.replay.t_ms) + " of " + seconds(state.replay.end_ms) + " (controls off)";
    clock.className = "clock virtual";
  } else if (state.clock === "virtual") {
    clock.textContent = "virtual time: the run is over, this is its end state (controls off)";
    clock.className = "clock virtual";
  } else {
    clock.textContent = "real time: live";
    clock.className = "clock real";
  }
  controlsEnabled = state.clock === "real";
  document.getElementById("now").textContent = seconds(state.now_ms);
  for (const pin of state.pins) {
    const c = card(pin);
    const ratio = pin.value / 65535;
    c.el.dataset.kind = pin.kind;
    c.el.dataset.value = pin.value;
    c.el.dataset.interval = pin.interval_ms == null ? "" : pin.interval_ms;
    c.el.querySelector(".name").textContent = pin.name;
    let detail = pin.changes + " changes";
    if (pin.kind === "analog") {
      if (dragging !== c.slider) c.slider.value = pin.value;
      c.slider.disabled = !controlsEnabled;
      c.value.textContent = "adc " + pin.value + "/65535 · " + (ratio * 3.3).toFixed(2) + " V";
    } else if (pin.button) {
      c.el.dataset.pressed = pin.pressed;
      c.hold.classList.toggle("held", pin.pressed);
      c.click.disabled = c.hold.disabled = !controlsEnabled;
      c.value.textContent = pin.pressed ? "pressed (reads " + (pin.value ? 1 : 0) + ")" : "released (reads " + (pin.value ? 1 : 0) + ")";
    } else {
      c.lamp.style.opacity = pin.kind === "pwm" ? 0.08 + 0.92 * ratio : (pin.value ? 1 : 0.08);
      c.lamp.style.boxShadow = (pin.kind === "pwm" ? ratio > 0.02 : pin.value) ? "" : "none";
      c.value.textContent = pin.kind === "pwm" ? "duty " + (ratio * 100).toFixed(0) + " % (" + pin.value + ")" : (pin.value ? "on" : "off");
      if (pin.interval_ms != null) detail = "toggles every " + pin.interval_ms + " ms · " + detail;
    }
    c.detail.textContent = detail;
  }
  const lines = document.getElementById("lines");
  lines.replaceChildren(...state.lines.map((l) => {
    const li = document.createElement("li");
    li.textContent = seconds(l.t_ms);
    const text = document.createElement("span");
    text.textContent = l.text;
    li.appendChild(text);
    return li;
  }));
}

function connect() {
  const link = document.getElementById("link");
  const events = new EventSource("/api/events");
  events.onopen = () => { link.textContent = "connected"; link.className = "link up"; };
  events.onmessage = (e) => render(JSON.parse(e.data));
  events.onerror = () => { link.textContent = "reconnecting…"; link.className = "link down"; };
}

connect();
