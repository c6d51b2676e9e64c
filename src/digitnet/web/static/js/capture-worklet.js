// The microphone's samples, as they arrive (an AudioWorklet runs this off the page's thread):
// each block of 128 samples of the first channel goes to js/microphone.js, which keeps them.

class Capture extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) this.port.postMessage(channel.slice(0));
    return true;
  }
}

registerProcessor("digitnet-capture", Capture);
