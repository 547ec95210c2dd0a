// A WebSocket to /api/v1/live that reconnects by itself: backoff from 0.5 s doubling to 10 s, reset once
// the gateway answered; the current subscription is sent again after every reconnect.

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;
// After this many failed attempts in a row the indicator says "offline" (it keeps retrying).
const OFFLINE_AFTER_FAILURES = 4;

/** The WebSocket URL for a path, same host as the page, ws: or wss: to match http: or https:. */
export function socketURL(path) {
  const url = new URL(path, document.baseURI);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

export class LiveConnection extends EventTarget {
  /**
   * Events: "message" (detail: the parsed JSON message), "state" (detail: connecting | connected |
   * reconnecting | offline), "reconnected" (the gateway answered again after an outage: messages sent
   * meanwhile were missed, so what the page keeps from them is worth reading again).
   */
  constructor(path = "api/v1/live") {
    super();
    this.url = socketURL(path);
    this.subscription = null;
    this.socket = null;
    this.delay = FIRST_DELAY_MS;
    this.failures = 0;
    this.timer = null;
    this.state = "connecting";
    this.stopped = false;
    this.answeredBefore = false;
    window.addEventListener("online", () => this.retryNow());
    window.addEventListener("offline", () => this.setState("offline"));
  }

  /** Chooses what to follow, e.g. {subscribe: "fleet"}; replaces the previous choice. */
  subscribe(message) {
    this.subscription = message;
    this.send(message);
  }

  start() {
    this.stopped = false;
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000, "page closed");
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: state }));
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    let answered = false;
    socket.addEventListener("open", () => {
      if (this.subscription) socket.send(JSON.stringify(this.subscription));
    });
    socket.addEventListener("message", (event) => {
      if (!answered) {
        // The gateway spoke: the connection works, so the next outage starts from the short delay.
        answered = true;
        this.delay = FIRST_DELAY_MS;
        this.failures = 0;
        this.setState("connected");
        if (this.answeredBefore) this.dispatchEvent(new Event("reconnected"));
        this.answeredBefore = true;
      }
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        console.warn("live: ignoring a message that is not JSON");
        return;
      }
      this.dispatchEvent(new CustomEvent("message", { detail: message }));
    });
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (!this.stopped) this.scheduleReconnect();
    });
    // "error" is always followed by "close", where the reconnect happens.
  }

  scheduleReconnect() {
    if (this.stopped || this.timer) return;
    this.failures += 1;
    const offline = navigator.onLine === false || this.failures >= OFFLINE_AFTER_FAILURES;
    this.setState(offline ? "offline" : "reconnecting");
    // ±20 % jitter so many dashboards do not reconnect in lockstep after a gateway restart.
    const wait = this.delay * (0.8 + Math.random() * 0.4);
    this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, wait);
  }

  /** The browser came back online: try at once instead of waiting out the backoff. */
  retryNow() {
    if (this.stopped || this.socket) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.delay = FIRST_DELAY_MS;
    this.connect();
  }
}
