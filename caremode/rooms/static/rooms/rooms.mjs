// Video rooms: the pre-call check, the waiting room and a peer-to-peer call (WebRTC, up to four
// people) signalled over CareMode's WebSocket. Media goes browser to browser, never via us.

const $ = (root, selector) => root.querySelector(selector);

// ---- Pre-call check (also the public test call) -------------------------------------------

const ADVICE = {
  camera: "We could not use your camera. Check no other app is using it and that you chose Allow.",
  microphone: "We could not hear your microphone. Check it is not muted, or try headphones with a microphone.",
  speaker: "Turn your volume up, or try headphones. You can still use the chat in the call.",
  connection: "Your connection is slow. Move nearer your router, or use Wi-Fi instead of mobile data. If the call breaks up, your clinician can phone you.",
};

function setResult(panel, name, ok, text) {
  const cell = $(panel, `[data-result="${name}"]`);
  if (cell) cell.textContent = text;
  if (!ok) {
    const advice = $(panel, "[data-advice]");
    advice.textContent = `${advice.textContent} ${ADVICE[name]}`.trim();
  }
}

async function connectionCheck() {
  // Time a few small requests to this server: a rough but honest round-trip measure.
  const times = [];
  for (let i = 0; i < 3; i += 1) {
    const began = performance.now();
    try {
      await fetch(`/rooms/test/?ping=${Date.now()}`, { method: "HEAD", cache: "no-store" });
      times.push(performance.now() - began);
    } catch {
      return null;
    }
  }
  times.sort((a, b) => a - b);
  return times[1];
}

export async function runCheck(panel, stream) {
  $(panel, "[data-advice]").textContent = "";
  let media = stream;
  if (!media) {
    try {
      media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    } catch {
      setResult(panel, "camera", false, "Not working");
      setResult(panel, "microphone", false, "Not working");
    }
  }
  if (media) {
    const preview = $(panel, "[data-preview]");
    preview.srcObject = media;
    preview.hidden = false;
    const video = media.getVideoTracks()[0];
    setResult(panel, "camera", Boolean(video), video ? "Working" : "Not found");
    const audio = media.getAudioTracks()[0];
    setResult(panel, "microphone", Boolean(audio), audio ? "Working" : "Not found");
    if (audio && window.AudioContext) {
      const context = new AudioContext();
      const analyser = context.createAnalyser();
      context.createMediaStreamSource(media).connect(analyser);
      const samples = new Uint8Array(analyser.fftSize);
      const meter = $(panel, "[data-meter]");
      $(panel, "[data-meter-wrap]").hidden = false;
      const draw = () => {
        analyser.getByteTimeDomainData(samples);
        let peak = 0;
        for (const s of samples) peak = Math.max(peak, Math.abs(s - 128) / 128);
        meter.value = peak;
        window.requestAnimationFrame(draw);
      };
      draw();
    }
  }
  // Speaker: play a short, gentle tone and ask.
  if (window.AudioContext) {
    const context = new AudioContext();
    const tone = context.createOscillator();
    const gain = context.createGain();
    gain.gain.value = 0.1;
    tone.frequency.value = 440;
    tone.connect(gain).connect(context.destination);
    tone.start();
    tone.stop(context.currentTime + 0.8);
    $(panel, "[data-speaker-question]").hidden = false;
  }
  const rtt = await connectionCheck();
  if (rtt === null) setResult(panel, "connection", false, "Not connected");
  else if (rtt < 300) setResult(panel, "connection", true, `Good (${Math.round(rtt)} ms)`);
  else setResult(panel, "connection", false, `Slow (${Math.round(rtt)} ms)`);
  return media;
}

function setUpCheck(panel, onMedia) {
  $(panel, "[data-start-check]").addEventListener("click", async () => {
    const media = await runCheck(panel);
    if (media && onMedia) onMedia(media);
  });
  for (const answer of panel.querySelectorAll("[data-heard]")) {
    answer.addEventListener("click", () => {
      const heard = answer.dataset.heard === "yes";
      setResult(panel, "speaker", heard, heard ? "Working" : "Not heard");
      $(panel, "[data-speaker-question]").hidden = true;
    });
  }
}

// ---- The room -----------------------------------------------------------------------------

class Room {
  constructor(root) {
    this.root = root;
    this.role = root.dataset.role;
    this.iceServers = JSON.parse(root.dataset.iceServers || "[]");
    this.peers = new Map(); // participant id -> {pc, label, figure}
    this.me = null;
    this.local = null;
    this.retries = 0;
    this.closed = false;
    window.caremodeRoom = this; // for people debugging a call, and for the browser tests
  }

  async media() {
    if (!this.local) {
      try {
        this.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      } catch {
        this.local = new MediaStream(); // still in the call: chat, and they can see others
      }
      $(this.root, "[data-local]").srcObject = this.local;
    }
    return this.local;
  }

  connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    this.socket = new WebSocket(`${scheme}://${window.location.host}${this.root.dataset.socket}`);
    this.socket.addEventListener("open", () => {
      this.retries = 0;
      this.status("Connected. Waiting for your clinician to let you in.");
    });
    this.socket.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    this.socket.addEventListener("close", (event) => {
      for (const id of [...this.peers.keys()]) this.drop(id);
      if (this.closed || event.code === 4403 || event.code === 4410) return;
      this.status("Reconnecting…");
      this.retries += 1;
      window.setTimeout(() => this.connect(), Math.min(1000 * 2 ** this.retries, 15000));
    });
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  status(text) {
    const line = $(this.root, "[data-status]");
    if (line) line.textContent = text;
  }

  async receive(message) {
    switch (message.type) {
      case "you":
        this.me = message.id;
        break;
      case "waiting":
        this.status("Connected. Waiting for your clinician to let you in.");
        break;
      case "admitted":
        await this.enterCall(message.peers);
        break;
      case "joined":
        this.addPeer(message.peer, false);
        break;
      case "left":
        this.drop(message.peer);
        break;
      case "signal":
        await this.signal(message.from, message.data);
        break;
      case "lobby":
        this.showLobby(message.waiting);
        break;
      case "chat":
        this.chat(message.from, message.text);
        break;
      case "privacy":
        this.showPrivacy(message.answer, message.via);
        break;
      case "quality":
        break;
      case "fallback": {
        const box = $(this.root, "[data-fallback]");
        if (box) {
          $(box, "[data-fallback-text]").textContent = message.message;
          box.hidden = false;
        }
        break;
      }
      case "closed":
        this.closed = true;
        this.hangUp();
        if ($(this.root, "[data-closed]")) $(this.root, "[data-closed]").hidden = false;
        break;
      case "moved": // the link was re-opened on another phone or computer
        this.closed = true;
        this.hangUp();
        if ($(this.root, "[data-moved]")) $(this.root, "[data-moved]").hidden = false;
        break;
      case "error": {
        console.warn("CareMode room:", message.error);
        const shown = $(this.root, "[data-room-error]"); // the clinician's page: a full call
        if (shown) {
          shown.textContent = message.error;
          shown.hidden = false;
        }
        break;
      }
      default:
        break;
    }
  }

  async enterCall(peers) {
    const waiting = $(this.root, "[data-waiting]");
    if (waiting) waiting.hidden = true;
    const heading = $(this.root, "[data-heading]");
    if (heading) heading.textContent = "Your video appointment";
    if (this.root.dataset.external) {
      const link = $(this.root, "[data-external-link]");
      if (link) link.hidden = false;
      return;
    }
    $(this.root, "[data-call]").hidden = false;
    await this.media();
    // The newcomer calls everyone already there; they answer.
    for (const peer of peers) {
      const entry = this.addPeer(peer, true);
      const offer = await entry.pc.createOffer();
      await entry.pc.setLocalDescription(offer);
      this.send({ type: "signal", to: peer.id, data: { description: entry.pc.localDescription } });
    }
    this.watchQuality();
  }

  addPeer(peer, initiator) {
    if (this.peers.has(peer.id)) return this.peers.get(peer.id);
    $(this.root, "[data-call]").hidden = false;
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const figure = document.createElement("figure");
    figure.className = "caremode-video";
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.setAttribute("aria-label", peer.label);
    video.dataset.peer = peer.id;
    const caption = document.createElement("figcaption");
    caption.textContent = `${peer.label} (${peer.role.replace("_", " ")})`;
    figure.append(video, caption);
    $(this.root, "[data-videos]").append(figure);
    const entry = { pc, label: peer.label, figure, video, pending: [], initiator };
    this.peers.set(peer.id, entry);
    // Tracks go in now if the camera is already on; otherwise when the offer arrives.
    if (this.local) for (const track of this.local.getTracks()) pc.addTrack(track, this.local);
    pc.addEventListener("track", (event) => {
      [video.srcObject] = event.streams;
    });
    pc.addEventListener("icecandidate", (event) => {
      if (event.candidate) this.send({ type: "signal", to: peer.id, data: { candidate: event.candidate } });
    });
    return entry;
  }

  async signal(from, data) {
    const entry = this.peers.get(from);
    if (!entry) return;
    const { pc } = entry;
    if (data.description) {
      await this.media();
      if (!pc.getSenders().length) for (const t of this.local.getTracks()) pc.addTrack(t, this.local);
      await pc.setRemoteDescription(data.description);
      for (const candidate of entry.pending.splice(0)) await pc.addIceCandidate(candidate);
      if (data.description.type === "offer") {
        await pc.setLocalDescription(await pc.createAnswer());
        this.send({ type: "signal", to: from, data: { description: pc.localDescription } });
      }
    } else if (data.candidate) {
      if (pc.remoteDescription) await pc.addIceCandidate(data.candidate);
      else entry.pending.push(data.candidate);
    }
  }

  drop(id) {
    const entry = this.peers.get(id);
    if (!entry) return;
    entry.pc.close();
    entry.figure.remove();
    this.peers.delete(id);
  }

  hangUp() {
    for (const id of [...this.peers.keys()]) this.drop(id);
    if (this.local) for (const track of this.local.getTracks()) track.stop();
    if (this.socket) this.socket.close();
  }

  showLobby(waiting) {
    const list = $(this.root, "[data-lobby]");
    if (!list) return;
    list.replaceChildren();
    $(this.root, "[data-lobby-empty]").hidden = waiting.length > 0;
    for (const person of waiting) {
      const item = document.createElement("li");
      const since = new Date(person.since).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      const text = document.createElement("span");
      text.textContent = `${person.label} (${person.role.replace("_", " ")}), waiting since ${since} `;
      const admit = document.createElement("button");
      admit.type = "button";
      admit.className = "nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-2";
      admit.textContent = `Let ${person.label} in`;
      admit.addEventListener("click", () => this.send({ type: "admit", participant: person.id }));
      item.append(text, admit);
      list.append(item);
    }
  }

  // The clinician's privacy line changes in place: the latest answer replaces the earlier one.
  showPrivacy(answer, via) {
    const no = $(this.root, "[data-privacy]");
    const yes = $(this.root, "[data-privacy-yes]");
    if (!no || !yes) return;
    no.hidden = answer !== "no";
    yes.hidden = answer === "no";
    const bySafeWord = $(this.root, "[data-privacy-safe-word]");
    if (bySafeWord) bySafeWord.hidden = !(answer === "no" && via === "safe word");
  }

  chat(from, text) {
    const item = document.createElement("li");
    const who = document.createElement("strong");
    who.textContent = `${from}: `;
    item.append(who, document.createTextNode(text));
    $(this.root, "[data-chat-log]").append(item);
  }

  watchQuality() {
    if (this.qualityTimer) return;
    const label = $(this.root, "[data-quality]");
    this.qualityTimer = window.setInterval(async () => {
      let worst = this.peers.size ? "good" : "waiting for others";
      for (const { pc } of this.peers.values()) {
        const stats = await pc.getStats();
        stats.forEach((report) => {
          if (report.type === "candidate-pair" && report.state === "succeeded") {
            const rtt = report.currentRoundTripTime ?? 0;
            if (rtt > 0.4) worst = "poor";
            else if (rtt > 0.2 && worst === "good") worst = "fair";
          }
          if (report.type === "inbound-rtp" && report.kind === "video" && report.packetsReceived) {
            const lost = report.packetsLost / (report.packetsReceived + report.packetsLost);
            if (lost > 0.05) worst = "poor";
            else if (lost > 0.02 && worst === "good") worst = "fair";
          }
        });
      }
      label.textContent = worst;
      if (["good", "fair", "poor"].includes(worst)) this.send({ type: "quality", level: worst });
    }, 3000);
  }

  bindControls() {
    for (const button of this.root.querySelectorAll("[data-toggle]")) {
      button.addEventListener("click", async () => {
        const kind = button.dataset.toggle;
        const media = await this.media();
        const tracks = kind === "audio" ? media.getAudioTracks() : media.getVideoTracks();
        const off = button.getAttribute("aria-pressed") !== "true";
        for (const track of tracks) track.enabled = !off;
        button.setAttribute("aria-pressed", String(off));
        if (kind === "audio") button.textContent = off ? "Unmute microphone" : "Mute microphone";
        else button.textContent = off ? "Turn camera on" : "Turn camera off";
      });
    }
    const form = $(this.root, "[data-chat-form]");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const input = form.elements.text;
      if (input.value.trim()) this.send({ type: "chat", text: input.value });
      input.value = "";
    });
    for (const button of this.root.querySelectorAll("[data-private]")) {
      button.addEventListener("click", () => {
        this.send({ type: "privacy", answer: button.dataset.private });
        $(this.root, "[data-private-done]").textContent = "Thank you. Only your clinician will see your answer.";
      });
    }
  }
}

const roomRoot = document.querySelector("[data-room]");
if (roomRoot) {
  const room = new Room(roomRoot);
  room.bindControls();
  setUpCheck($(roomRoot, "[data-precall]"), (media) => {
    room.local = media;
    $(roomRoot, "[data-local]").srcObject = media;
  });
  room.connect();
}
const testRoot = document.querySelector("[data-test-call]");
if (testRoot) setUpCheck($(testRoot, "[data-precall]"));
