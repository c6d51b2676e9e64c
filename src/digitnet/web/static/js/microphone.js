// Say a digit: a "hold to speak" button records from the microphone with Web Audio (nothing
// leaves the page but the recording, sent to this server), shows the waveform, and hands the
// recording on as a WAV file; an upload button takes a recording file instead. The server
// turns either into the 28x28 picture of its sound that a model of spoken digits reads.

import {find} from "./dom.js";

const HOLD_MS = 300;    // a press shorter than this starts a recording that a second press stops
const MAX_SECONDS = 8;  // the server takes up to 10 s; a digit takes about one
const DRAWN_RATE = 16000;  // an uploaded recording is decoded at this rate, for its waveform only

const markup = (id) => `
  <div class="microphone">
    <button id="${id("speak")}" class="speak" type="button" aria-pressed="false"
            aria-keyshortcuts="Space" aria-describedby="${id("speak-hint")}">Hold to speak</button>
    <p id="${id("speak-hint")}" class="hint">Hold the button<span class="keys-hint"> (or Space
      on it)</span> and say one digit, 0 to 9; or press it once to start and again to stop.</p>
    <p id="${id("mic-none")}" class="mic-none" hidden></p>
    <canvas id="${id("waveform")}" class="waveform" width="280" height="56" role="img"
            aria-label="Waveform of the last recording: none yet"></canvas>
    <div class="buttons">
      <label class="button upload">Upload a recording…
        <input id="${id("upload-sound")}" type="file" accept="audio/*,.wav,.wave,.flac,.ogg,.oga,.opus,.mp3,.aiff,.aif,.aifc" class="visually-hidden">
      </label>
    </div>
    <p id="${id("mic-status")}" class="mic-status" role="status" aria-live="polite"></p>
  </div>`;

/**
 * Adds the microphone's button, waveform and upload to `root`. `on.heard(file)` receives each
 * recording (a WAV File from the microphone, or the file chosen) and answers a promise of the
 * status to show (by default "Heard NAME."); what it throws is shown instead. Where the
 * browser gives the page no microphone (plain http from another computer: no secure context),
 * it says so in the button's place, and only the upload is offered. Returns {say(text),
 * forget(), records} (records: whether the button is there to record with).
 */
export function mountMicrophone(root, id, on) {
  root.insertAdjacentHTML("beforeend", markup(id));
  const button = find(root, id("speak")), status = find(root, id("mic-status"));
  const wave = find(root, id("waveform"));
  let recording = null, pressedAt = 0, stopTimer = null;
  let waves = 0;  // waveforms drawn or cleared: an upload's, decoded late, does not cover a newer

  const say = (text) => { status.textContent = text; };
  const why = noMicrophone();
  if (why) {
    button.hidden = find(root, id("speak-hint")).hidden = true;
    const none = find(root, id("mic-none"));
    none.textContent = why;
    none.hidden = false;
  }

  async function start() {
    if (recording) return;
    if (!navigator.mediaDevices || !window.AudioWorkletNode) {
      say("This browser gives no microphone here (it needs https, or this computer's own address); upload a recording instead.");
      return;
    }
    recording = {chunks: [], ready: null};
    button.setAttribute("aria-pressed", "true");
    button.textContent = "Listening… release to stop";
    say("Listening: say one digit.");
    recording.ready = open(recording).catch((err) => {
      say(unavailable(err));
      reset();
    });
    stopTimer = setTimeout(stop, MAX_SECONDS * 1000);
  }

  async function open(rec) {
    const stream = await navigator.mediaDevices.getUserMedia({audio: {
      channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false}});
    const context = new AudioContext();
    await context.audioWorklet.addModule(workletUrl());
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, "digitnet-capture");
    node.port.onmessage = (e) => rec.chunks.push(e.data);
    source.connect(node);
    Object.assign(rec, {stream, context, source, node});
  }

  async function stop() {
    const rec = recording;
    if (!rec) return;
    reset();
    await rec.ready;
    if (!rec.context) return;  // the microphone never opened (the reason is shown)
    rec.source.disconnect();
    rec.node.disconnect();
    rec.stream.getTracks().forEach((t) => t.stop());
    const rate = rec.context.sampleRate;
    await rec.context.close();
    const samples = joined(rec.chunks);
    drawWave(samples, rate);
    if (!samples.length) { say("Nothing was recorded; hold the button a little longer."); return; }
    await hear(new File([wav(samples, rate)], "microphone.wav", {type: "audio/wav"}));
  }

  function reset() {
    clearTimeout(stopTimer);
    recording = null;
    button.setAttribute("aria-pressed", "false");
    button.textContent = "Hold to speak";
  }

  // (answers whether the recording was heard: one refused leaves the answer shown as it was)
  async function hear(file) {
    say(`Reading ${file.name}…`);
    try {
      say(await on.heard(file) || `Heard ${file.name}.`);
      return true;
    } catch (err) {
      say(err.message);
      return false;
    }
  }

  // A recording uploaded: its waveform, decoded here while the server reads it, is drawn once
  // the server has heard it (as the answer shown is then the recording's).
  async function upload(file) {
    const sound = decoded(file), asked = waves;
    if (!(await hear(file))) return;
    const s = await sound;
    if (asked !== waves) return;  // (a newer recording's waveform, or none, is shown)
    if (s) drawWave(s.samples, s.rate);
    else blankWave(`this browser cannot draw ${file.name}’s`);
  }

  function blankWave(said) {
    waves++;
    wave.getContext("2d").clearRect(0, 0, wave.width, wave.height);
    delete wave.dataset.samples;
    wave.setAttribute("aria-label", `Waveform of the last recording: ${said}`);
  }

  function drawWave(samples, rate) {
    waves++;
    const ctx = wave.getContext("2d"), w = wave.width, h = wave.height;
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, w, h);
    ctx.strokeStyle = "#7fd1ff";
    ctx.beginPath();
    const per = Math.max(1, Math.floor(samples.length / w));
    for (let x = 0; x < w && x * per < samples.length; x++) {
      let lo = 0, hi = 0;
      for (let i = x * per; i < Math.min(samples.length, (x + 1) * per); i++) {
        lo = Math.min(lo, samples[i]);
        hi = Math.max(hi, samples[i]);
      }
      ctx.moveTo(x + 0.5, h / 2 - hi * h / 2);
      ctx.lineTo(x + 0.5, h / 2 - lo * h / 2 + 1);
    }
    ctx.stroke();
    wave.dataset.samples = String(samples.length);
    wave.setAttribute("aria-label", `Waveform of the last recording: ${(samples.length / rate).toFixed(1)} s`);
  }

  // Hold (pointer or Space) to record, release to stop; a short press starts, the next stops.
  const press = (e) => {
    e.preventDefault();
    if (recording) { stop(); return; }
    pressedAt = performance.now();
    start();
  };
  const release = (e) => {
    e.preventDefault();
    if (recording && performance.now() - pressedAt >= HOLD_MS) stop();
  };
  button.addEventListener("pointerdown", press);
  button.addEventListener("pointerup", release);
  button.addEventListener("keydown", (e) => {
    if (e.key === " " && !e.repeat) press(e);
    else if (e.key === "Enter") { e.preventDefault(); if (recording) stop(); else start(); }
  });
  button.addEventListener("keyup", (e) => { if (e.key === " ") release(e); });
  button.addEventListener("click", (e) => e.preventDefault());

  find(root, id("upload-sound")).addEventListener("change", async (e) => {
    const file = e.target.files[0];
    e.target.value = "";
    if (file) await upload(file);
  });

  // A picture shown from elsewhere (the notebook's w.hear): the last recording's waveform and
  // status no longer describe what is shown.
  function forget() {
    say("");
    blankWave("none yet");
  }

  return {say, forget, records: !why};
}

// Why the page can have no microphone, said before anyone presses for one (null: it may). A
// browser gives getUserMedia (and AudioWorklet) only to a secure context: https, or this
// computer's own address; a class's phones open the page over plain http.
function noMicrophone() {
  if (!window.isSecureContext) {
    return "This page cannot use a microphone: the browser allows one only on https pages or " +
      "on this computer’s own address, and this page is plain http. Upload a recording instead.";
  }
  const media = navigator.mediaDevices;
  if (!media || !media.getUserMedia || !window.AudioWorkletNode) {
    return "This browser cannot record from a microphone here. Upload a recording instead.";
  }
  return null;
}

// The samples of recording `file`, decoded by the browser (its channels averaged), at
// DRAWN_RATE: {samples, rate}; null for a file the browser cannot decode.
async function decoded(file) {
  try {
    const context = new OfflineAudioContext(1, 1, DRAWN_RATE);
    const buffer = await context.decodeAudioData(await file.arrayBuffer());
    const samples = new Float32Array(buffer.length), n = buffer.numberOfChannels;
    for (let c = 0; c < n; c++) buffer.getChannelData(c).forEach((v, i) => { samples[i] += v / n; });
    return {samples, rate: DRAWN_RATE};
  } catch (err) {
    return null;
  }
}

// Why the microphone did not open (getUserMedia's errors, by name), and what to do instead: a
// missing microphone is not a permission to give, nor a refused one a device to connect.
function unavailable(err) {
  switch (err.name) {
    case "NotFoundError":
    case "OverconstrainedError":
      return "No microphone found: connect one, or upload a recording.";
    case "NotAllowedError":
    case "SecurityError":
      return "The browser did not allow the microphone: allow it for this page in the browser, or upload a recording.";
    case "NotReadableError":
      return "The microphone is there but could not be opened (another program may be using it): close that program, or upload a recording.";
    default:
      return `The microphone could not be opened: ${err.message}. Upload a recording instead.`;
  }
}

// The microphone's samples, as they arrive: an AudioWorklet runs this off the page's thread and
// posts each block of 128 samples of the first channel here. It is loaded from a blob, as the
// notebook widget's code (one bundled module) has no folder to load a file of its own from.
const CAPTURE = `
class Capture extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) this.port.postMessage(channel.slice(0));
    return true;
  }
}
registerProcessor("digitnet-capture", Capture);`;
let captureUrl = null;
const workletUrl = () => captureUrl || (captureUrl = URL.createObjectURL(new Blob([CAPTURE], {type: "text/javascript"})));

function joined(chunks) {
  const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/** Float samples in [-1, 1] as a 16-bit mono WAV file's bytes. */
function wav(samples, rate) {
  const bytes = new DataView(new ArrayBuffer(44 + samples.length * 2));
  const text = (at, s) => [...s].forEach((ch, i) => bytes.setUint8(at + i, ch.charCodeAt(0)));
  text(0, "RIFF");
  bytes.setUint32(4, 36 + samples.length * 2, true);
  text(8, "WAVE");
  text(12, "fmt ");
  bytes.setUint32(16, 16, true);
  bytes.setUint16(20, 1, true);          // PCM
  bytes.setUint16(22, 1, true);          // mono
  bytes.setUint32(24, rate, true);
  bytes.setUint32(28, rate * 2, true);   // bytes a second
  bytes.setUint16(32, 2, true);          // bytes a sample
  bytes.setUint16(34, 16, true);         // bits a sample
  text(36, "data");
  bytes.setUint32(40, samples.length * 2, true);
  samples.forEach((v, i) => bytes.setInt16(44 + i * 2, Math.max(-1, Math.min(1, v)) * 0x7fff, true));
  return bytes.buffer;
}
