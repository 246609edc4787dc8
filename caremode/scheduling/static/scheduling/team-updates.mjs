// Tells a clinician, politely, that contacts on their team changed while the page was open.
// No personal data travels over the socket: only that something changed.
const region = document.querySelector("[data-team-updates]");

if (region && "WebSocket" in window) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  let retries = 0;

  const connect = () => {
    const socket = new WebSocket(`${scheme}://${window.location.host}${region.dataset.teamUpdates}`);
    socket.addEventListener("open", () => {
      retries = 0;
    });
    socket.addEventListener("message", () => {
      region.hidden = false;
    });
    socket.addEventListener("close", (event) => {
      if (event.code !== 4403 && retries < 5) {
        retries += 1;
        window.setTimeout(connect, 1000 * 2 ** retries);
      }
    });
  };
  connect();
}
