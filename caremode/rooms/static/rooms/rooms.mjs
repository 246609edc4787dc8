// Video rooms: the pre-call check, the waiting room and a peer-to-peer call (WebRTC, up to four
// people) signalled over CareMode's WebSocket. Media goes browser to browser, never via us.

const $ = (root, selector) => root.querySelector(selector);

// ---- Showing one's own camera -------------------------------------------------------------

// A video element given a stream must be muted (or browsers refuse to play it unasked), inline
// (iPhones otherwise open their own player) and told to play: `autoplay` alone leaves an element
// that was hidden when the stream arrived paused, and the tile stays black.
export function showOwnCamera(video, stream) {
  video.muted = true;
  video.defaultMuted = true;
  video.playsInline = true;
  video.autoplay = true;
  if (video.srcObject !== stream) video.srcObject = stream;
  const play = () => video.play().catch(() => {});
  play();
  video.addEventListener("loadedmetadata", play, { once: true });
}

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
    preview.hidden = false;
    showOwnCamera(preview, media);
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

const ROLE_WORDS = {
  clinician: "clinician",
  service_user: "service user",
  carer: "carer",
  interpreter: "interpreter",
};

// Each tile says who it is as the room knows them: their name and their part in the call.
export function tileLabel(peer) {
  const role = ROLE_WORDS[peer.role] || String(peer.role || "").replace("_", " ");
  const name = (peer.label || "").trim();
  if (!name) return role ? role[0].toUpperCase() + role.slice(1) : "Someone in the call";
  if (name.toLowerCase() === role) return name;
  return `${name} (${role})`;
}

// What a person says in the room: sent once the connection opens if it was not open yet.
const SAID = new Set(["privacy", "chat"]);

class Room {
  constructor(root) {
    this.root = root;
    this.role = root.dataset.role;
    this.name = root.dataset.name || "";
    this.iceServers = JSON.parse(root.dataset.iceServers || "[]");
    this.peers = new Map(); // participant id -> {pc, label, figure}
    this.me = null;
    this.local = null;
    this.retries = 0;
    this.closed = false;
    this.admitted = false;
    this.sharing = null; // {stream, track} while the clinician shares their screen
    this.unsent = []; // what the person said (privacy answer, chat) before the socket was open
    this.lastStatus = root.querySelector("[data-status]")?.textContent || "";
    window.caremodeRoom = this; // for people debugging a call, and for the browser tests
  }

  async media() {
    if (!this.local) {
      try {
        this.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      } catch {
        this.local = new MediaStream(); // still in the call: chat, and they can see others
      }
    }
    this.showSelf();
    return this.local;
  }

  showSelf() {
    const own = $(this.root, "[data-local]");
    if (own && this.local) showOwnCamera(own, this.sharing ? this.sharing.stream : this.local);
  }

  connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    this.socket = new WebSocket(`${scheme}://${window.location.host}${this.root.dataset.socket}`);
    this.socket.addEventListener("open", () => {
      this.retries = 0;
      this.status("Connected. Waiting for your clinician to let you in.");
      for (const message of this.unsent.splice(0)) this.socket.send(JSON.stringify(message));
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
    } else if (SAID.has(message.type)) {
      // Answered or typed before the connection opened (or while it reconnects): kept and
      // sent on opening, never lost. Call set-up messages are not kept: they would be stale.
      this.unsent.push(message);
    }
  }

  status(text) {
    this.lastStatus = text;
    const line = $(this.root, "[data-status]");
    // Once the time to phone the team has passed, every waiting message carries that advice.
    const nobodyCame = this.nobodyCame && !this.admitted ? ` ${this.nobodyCame}` : "";
    if (line) line.textContent = `${text}${nobodyCame}`;
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
        this.announceAdmitted(message.peer);
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
        this.showAfterCall("[data-closed]");
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
    this.admitted = true;
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
    this.showSelf(); // visible now: play again in case the element was paused while hidden
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
    const call = $(this.root, "[data-call]");
    if (call.hidden) {
      call.hidden = false;
      this.showSelf();
    }
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const figure = document.createElement("figure");
    figure.className = "caremode-video";
    figure.tabIndex = -1; // focus comes here when the clinician lets this person in
    figure.dataset.peer = peer.id;
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    const label = tileLabel(peer);
    video.setAttribute("aria-label", `Video of ${label}`);
    video.dataset.peer = peer.id;
    const caption = document.createElement("figcaption");
    caption.textContent = label;
    figure.setAttribute("aria-label", label);
    figure.append(video, caption);
    $(this.root, "[data-videos]").append(figure);
    const entry = { pc, label: peer.label, figure, video, pending: [], initiator };
    this.peers.set(peer.id, entry);
    // Tracks go in now if the camera is already on; otherwise when the offer arrives.
    if (this.local) for (const track of this.outgoingTracks()) pc.addTrack(track, this.local);
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
      if (!pc.getSenders().length) for (const t of this.outgoingTracks()) pc.addTrack(t, this.local);
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
    if (this.sharing) for (const track of this.sharing.stream.getTracks()) track.stop();
    this.sharing = null;
    if (this.local) for (const track of this.local.getTracks()) track.stop();
    if (this.qualityTimer) window.clearInterval(this.qualityTimer);
    if (this.nobodyCameTimer) window.clearTimeout(this.nobodyCameTimer);
    if (this.socket) this.socket.close();
  }

  // ---- Leaving, and what the person sees after the call ----

  leave() {
    // Said to the server first, so the departure is recorded as leaving, not a dropped line.
    this.send({ type: "leave" });
    this.closed = true;
    this.hangUp();
    this.showAfterCall("[data-left]");
  }

  showAfterCall(selector) {
    // The call's controls go away; what happens next is shown, and focus moves to it.
    this.exitFullScreen();
    for (const part of this.root.querySelectorAll("[data-call], [data-waiting], [data-precall], [data-room-admin], [data-external-link]")) {
      part.hidden = true;
    }
    const heading = $(this.root, "[data-heading]");
    if (heading) heading.textContent = selector === "[data-left]" ? "You have left the call" : "Your video appointment has ended";
    for (const other of this.root.querySelectorAll("[data-closed], [data-left]")) other.hidden = true;
    const next = $(this.root, selector);
    if (next) {
      next.hidden = false;
      next.focus();
    }
  }

  // ---- Letting people in: focus goes to what happened, not the top of the page ----

  admit(person) {
    this.admitting = person.id;
    const said = $(this.root, "[data-admit-status]");
    if (said) {
      said.textContent = `Letting ${person.label} in…`;
      said.focus(); // the button goes when the list is redrawn; focus must not fall to the top
    }
    this.send({ type: "admit", participant: person.id });
  }

  announceAdmitted(peer) {
    if (this.admitting !== peer.id) return;
    this.admitting = null;
    const said = $(this.root, "[data-admit-status]");
    if (said) said.textContent = `${tileLabel(peer)} is in the call.`;
    const tile = $(this.root, `figure[data-peer="${peer.id}"]`);
    if (tile) tile.focus();
  }

  // ---- Full screen (the Fullscreen API, else the call fills the window) ----

  fullScreenTarget() {
    return $(this.root, "[data-stage]");
  }

  isFullScreen() {
    const stage = this.fullScreenTarget();
    return Boolean(stage) && (document.fullscreenElement === stage || stage.classList.contains("caremode-stage--filled"));
  }

  async toggleFullScreen() {
    if (this.isFullScreen()) {
      await this.exitFullScreen();
      return;
    }
    const stage = this.fullScreenTarget();
    let native = false;
    if (document.fullscreenEnabled && stage.requestFullscreen) {
      try {
        await stage.requestFullscreen();
        native = true;
      } catch {
        native = false;
      }
    }
    // Where the API is missing or refused (iPhone Safari, an embedding frame), the call fills
    // the window instead, with the same button to come back.
    if (!native) stage.classList.add("caremode-stage--filled");
    this.fullScreenChanged();
  }

  async exitFullScreen() {
    const stage = this.fullScreenTarget();
    if (!stage) return;
    stage.classList.remove("caremode-stage--filled");
    if (document.fullscreenElement === stage && document.exitFullscreen) {
      try {
        await document.exitFullscreen();
      } catch {
        // already left (Escape): nothing to do
      }
    }
    this.fullScreenChanged();
  }

  fullScreenChanged() {
    const button = $(this.root, "[data-fullscreen]");
    if (!button) return;
    const on = this.isFullScreen();
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? "Exit full screen" : "Full screen";
  }

  bindFullScreen() {
    const button = $(this.root, "[data-fullscreen]");
    if (!button) return;
    button.addEventListener("click", () => this.toggleFullScreen());
    document.addEventListener("fullscreenchange", () => this.fullScreenChanged());
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.fullScreenTarget()?.classList.contains("caremode-stage--filled")) {
        this.exitFullScreen();
      }
    });
  }

  // ---- Screen share, for the clinician (going through a care plan together) ----

  outgoingTracks() {
    // What each peer is sent: the microphone, and the shared screen in place of the camera.
    if (!this.local) return [];
    if (!this.sharing) return this.local.getTracks();
    return [...this.local.getAudioTracks(), this.sharing.track];
  }

  async replaceOutgoingVideo(track) {
    // The same sender carries the screen, then the camera again: no new offer is needed.
    let replaced = 0;
    for (const { pc } of this.peers.values()) {
      const sender = pc.getSenders().find((s) => s.track && s.track.kind === "video");
      if (sender) {
        await sender.replaceTrack(track);
        replaced += 1;
      }
    }
    return replaced;
  }

  async startSharing() {
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch {
      this.shareStatus("Your screen was not shared. You can try again.");
      return;
    }
    const [track] = stream.getVideoTracks();
    if (!track) return;
    this.sharing = { stream, track };
    track.addEventListener("ended", () => this.stopSharing()); // the browser's own "Stop sharing"
    const replaced = await this.replaceOutgoingVideo(track);
    this.showSelf();
    this.shareChanged();
    if (this.peers.size && !replaced) {
      this.shareStatus("Your screen cannot be sent: your camera was not working when the call began. Try the camera check, then leave and join again.");
    } else {
      this.shareStatus("You are sharing your screen. Everyone in the call can see it.");
    }
  }

  async stopSharing() {
    if (!this.sharing) return;
    const { stream } = this.sharing;
    this.sharing = null;
    for (const track of stream.getTracks()) track.stop();
    const camera = this.local ? this.local.getVideoTracks()[0] : null;
    await this.replaceOutgoingVideo(camera || null);
    this.showSelf();
    this.shareChanged();
    this.shareStatus("You stopped sharing your screen. Everyone sees your camera again.");
  }

  shareChanged() {
    const button = $(this.root, "[data-share]");
    if (button) {
      button.setAttribute("aria-pressed", String(Boolean(this.sharing)));
      button.textContent = this.sharing ? "Stop sharing your screen" : "Share your screen";
    }
    const self = $(this.root, "[data-self-label]");
    if (self) self.textContent = `${this.selfLabel()}${this.sharing ? ": sharing your screen" : ""}`;
  }

  shareStatus(text) {
    const line = $(this.root, "[data-share-status]");
    if (line) line.textContent = text;
  }

  selfLabel() {
    return this.name ? `${this.name} (you)` : "You";
  }

  bindScreenShare() {
    const button = $(this.root, "[data-share]");
    // Only the clinician's page has the button, and only a browser that can share shows it.
    if (!button || this.role !== "clinician" || !navigator.mediaDevices?.getDisplayMedia) return;
    if (document.featurePolicy && !document.featurePolicy.allowsFeature("display-capture")) return;
    button.hidden = false;
    button.addEventListener("click", () => (this.sharing ? this.stopSharing() : this.startSharing()));
  }

  // ---- The waiting room: what to do if nobody comes ----

  watchForNobodyCame() {
    const box = $(this.root, "[data-nobody-came]");
    if (!box || box.dataset.phoneIn === undefined) return;
    // Counted from the page's arrival, not the device's clock, which may be wrong.
    const due = Number(box.dataset.phoneIn) * 1000;
    const remind = () => {
      if (this.admitted || this.closed) return;
      box.classList.add("caremode-nobody-came--due");
      const text = $(box, "[data-nobody-came-text]");
      this.nobodyCame = `Nobody has let you in yet. ${text ? text.textContent.trim() : ""}`.trim();
      this.status(this.lastStatus || "");
    };
    if (Number.isNaN(due)) return;
    this.nobodyCameTimer = window.setTimeout(remind, Math.max(due, 0));
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
      admit.addEventListener("click", () => this.admit(person));
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
    const leave = $(this.root, "[data-leave]");
    if (leave) leave.addEventListener("click", () => this.leave());
    this.bindFullScreen();
    this.bindScreenShare();
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
    room.showSelf();
  });
  room.watchForNobodyCame();
  room.connect();
}
const testRoot = document.querySelector("[data-test-call]");
if (testRoot) setUpCheck($(testRoot, "[data-precall]"));
