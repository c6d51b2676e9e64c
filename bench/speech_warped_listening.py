"""Does listening to a new voice through warped frequencies help? (test-time warps)

The ``speech`` preset trains on copies of each recording with its frequency axis warped by up
to 10% (other voices' vocal tracts). This asks whether the same warps help at prediction time,
on a voice the network never heard: each of FSDD's five speakers held out in turn, as
bench/speech.py does it (trained with the preset on the other four's training split, scored on
all 500 recordings of the fifth), the held-out pictures read as they are and warped by factors
0.85 to 1.15 (:func:`digitnet.sound_augment.warp_bands`), then

- the probabilities averaged over the warps (three ranges);
- each recording read at the warp the network is surest of (the largest top probability);
- each speaker read at the one warp the network is surest of on average over their recordings
  (vocal tract length normalisation without labels);
- each speaker read at the warp that is right most often (an oracle: what any choice of one
  warp per voice could reach).

    python bench/speech_warped_listening.py [SEED]

A benchmark: it asserts nothing. Results: bench/results/speech-warped-listening.md.
"""

from __future__ import annotations

import sys

import numpy as np
from speech import DATA

from digitnet import PRESETS, datasets
from digitnet.sound_augment import warp_bands
from digitnet.training import train

FACTORS = [0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15]
AVERAGED = {"averaged over 0.95-1.05": [0.95, 1.0, 1.05],
            "averaged over 0.9-1.1": [0.9, 0.95, 1.0, 1.05, 1.1],
            "averaged over 0.85-1.15": FACTORS}


def speaker_figures(train_set, test_set, speaker: str, seed: int) -> dict:
    others = train_set.subset(train_set.groups != speaker)
    net = train(others, PRESETS["speech"].replace(seed=seed), handle_signals=False).network
    x = np.concatenate([d.subset(d.groups == speaker).x for d in (train_set, test_set)])
    y = np.concatenate([d.subset(d.groups == speaker).labels for d in (train_set, test_set)])
    pictures = x.reshape(-1, 28, 28)
    heard = {f: net.probabilities((pictures if f == 1.0 else np.stack(
        [warp_bands(p, f) for p in pictures])).reshape(len(y), -1)) for f in FACTORS}
    right = {f: float((p.argmax(1) == y).mean()) for f, p in heard.items()}
    out = {"as recorded": right[1.0]}
    for name, factors in AVERAGED.items():
        out[name] = float((np.mean([heard[f] for f in factors], 0).argmax(1) == y).mean())
    stack = np.stack([heard[f] for f in FACTORS])  # (warps, recordings, classes)
    surest = stack.max(2).argmax(0)
    out["each recording at its surest warp"] = float(
        (stack[surest, np.arange(len(y))].argmax(1) == y).mean())
    out["each voice at its surest warp"] = right[FACTORS[int(stack.max(2).mean(1).argmax())]]
    out["each voice at its best warp (oracle)"] = max(right.values())
    return out


def main() -> None:
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    train_set, test_set = (datasets.load(DATA, split=s) for s in ("train", "test"))
    speakers = sorted(set(train_set.groups.tolist()))
    figures = {s: speaker_figures(train_set, test_set, s, seed) for s in speakers}
    print("| reading | " + " | ".join(speakers) + " | mean |")
    print("|---|" + "---|" * (len(speakers) + 1))
    for name in figures[speakers[0]]:
        cells = [figures[s][name] for s in speakers]
        print(f"| {name} | " + " | ".join(f"{c:.1%}" for c in cells)
              + f" | {np.mean(cells):.1%} |")


if __name__ == "__main__":
    main()
