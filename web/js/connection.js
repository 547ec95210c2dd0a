// The connection indicator (#connection): its data-state and text follow a LiveConnection.

const LABELS = {
  connecting: "connecting…",
  connected: "connected",
  reconnecting: "reconnecting…",
  offline: "offline",
};

export function showConnection(element, live) {
  const render = (state) => {
    element.dataset.state = state;
    element.textContent = LABELS[state] || state;
    element.title =
      state === "connected" ? "Receiving live updates" : state === "offline" ? "Gateway unreachable; retrying" : "";
  };
  render(live.state);
  live.addEventListener("state", (event) => render(event.detail));
}
