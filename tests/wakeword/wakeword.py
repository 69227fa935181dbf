#!/usr/bin/python3
"""tests/wakeword/wakeword.py: openWakeWord end to end, against onnxruntime.

  wakeword.py TESSEL EMBED_FRAMES CACHE HWDIR WORK [--clips N] [--hw NAME,...] [--activations int8,int16]

CACHE holds the models and onnxruntime-node (tests/wakeword/fetch.sh);
HWDIR the example descriptions; WORK is scratch.  Speech comes from
espeak-ng, resampled to 16 kHz and placed in a 3 s clip.  As openWakeWord
runs it: melspectrogram.onnx over the clip, x/10 + 2, windows of 76 frames
every 8 frames (80 ms of audio) into embedding_model.onnx, windows of 16
embeddings into hey_jarvis_v0.1.onnx; a clip is detected when a window
scores >= 0.5.  Checked (any failure exits 1):

  1. float, on tessel's host: each model's outputs within a relative error
     of 1e-4 of onnxruntime's (max |t - o| / max |o| over every clip; the
     classifier, batch 1, on each clip's best window and its neighbours);
  2. `tessel quantize` of the embedding model, calibrated on other phrases,
     twice: int8 activations (the default), and int16 activations with the
     weights fitted layer by layer (`--activations int16 --weights fit`,
     W8A16).  onnxruntime runs both models; tessel's host gives the int8
     model's outputs within one quantization step of onnxruntime's (it
     fuses each pattern into the integer QLinearConv tessel imports), the
     int16 model's within 1e-3 of the output's range (onnxruntime has no
     int16 QLinearConv and runs its nodes in fp32); the values that differ
     are counted;
  3. each model compiled (batch 1) for each description and run on the
     simulator once per frame through the C API (EMBED_FRAMES,
     tests/wakeword/embed_frames.c): bit for bit tessel's host, cosine
     similarity >= 0.99 with onnxruntime's float embeddings, and the
     classifier (its float version checked against tessel's host in 1) fed
     those embeddings detects exactly the clips the float pipeline on
     onnxruntime detects: every clip with the int16 model; with the int8
     model, those whose float score is at least MARGIN from the threshold
     (held clips that are and that are not detected must both exist).  For
     every clip the float scores under perturbations below hearing are
     printed too (white noise at -81 dBFS, four seeds; the clip delayed by
     0.5, 1 and 2 ms): a clip near the threshold is decided both ways by
     the float model itself;
  4. the real-time factor: simulated time per 80 ms frame (one embedding)
     at the description's clock, printed with the figures.
"""
import json
import os
import re
import subprocess
import sys
import wave

import numpy as np

RATE = 16000
CLIP = 3 * RATE
# (text, espeak-ng voice), spoken at 120 words a minute: at espeak-ng's
# default 175 the model hears no "hey jarvis" at all
TEST_PHRASES = [
    ("hey jarvis", "en-us"), ("hey jarvis", "en+m7"), ("hey jarvis", "en-us+f3"), ("good morning everyone", "en"),
    ("hey jarvis, lights on", "en-us+m3"), ("play some music please", "en-us"), ("hey travis", "en-gb"),
    ("what time is it", "en-us+f3"), ("hey jarvis", "en-us+m2"), ("hey jarvis", "en+m4"), ("hey jarvis", "en-gb+f1"),
    ("hey jarvis", "en-us+f5"), ("hey jarvis", "en-029"), ("hey jarvis", "en-gb-scotland"),
]
# the wake word in voices the test clips do not use, and other speech
CALIBRATION_PHRASES = [
    ("hey jarvis", "en"), ("hey jarvis", "en-gb"), ("hey jarvis", "en-us+m1"), ("hey jarvis", "en+f2"),
    ("hey jarvis", "en-us+m5"), ("hey jarvis", "en+m3"), ("okay, hey jarvis", "en-us+f4"),
    ("hey jarvis, stop", "en-gb-x-rp"), ("open the front door", "en-us"), ("one two three four five", "en-gb"),
    ("set a timer for ten minutes", "en-us+m3"), ("the quick brown fox jumps over the lazy dog", "en+m7"),
    ("hello, how are you today", "en-us+f3"), ("turn off the radio", "en+f4"),
]
# The perturbations a clip's float decision must survive to be held to
# it: white noise of this many int16 units (20 log10(3 / 32768) = -81 dBFS)
# with each seed, and the clip delayed by each shift (samples at 16 kHz).
NOISE, SEEDS, SHIFTS = 3.0, 4, (8, 16, 32)
# a clip is held to the float decision when its float score is at least
# this far from the 0.5 threshold: int8 moves a window's score by up to
# about 0.3, and inaudible perturbations move it by up to 0.4 (printed)
MARGIN = 0.1
BATCH_CLIPS = 7
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode:
        sys.exit(f"wakeword: {' '.join(cmd)} exited {r.returncode}:\n{r.stdout}{r.stderr}")
    return r.stdout


def speech(phrase, path):
    """espeak-ng's voice for (text, voice) as a 3 s clip of int16 values (float32) at 16 kHz."""
    text, voice = phrase
    run(["espeak-ng", "-v", voice, "-s", "120", "-w", path, text])
    with wave.open(path) as w:
        rate, x = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    t = np.arange(int(len(x) * RATE / rate)) * (rate / RATE)
    y = np.interp(t, np.arange(len(x)), x)  # linear resampling: the data only has to be speech-like
    clip = np.zeros(CLIP)
    n = min(len(y), CLIP - RATE // 2)
    clip[RATE // 2:RATE // 2 + n] = y[:n]
    return clip.astype(np.float32)[None, :]


class Tessel:
    def __init__(self, exe, work):
        self.exe, self.work = exe, work

    def host(self, model, x, output, dims=None):
        i, o = os.path.join(self.work, "in.npy"), os.path.join(self.work, "out.npy")
        np.save(i, x)
        name = input_name(model)
        cmd = [self.exe, "host", model, "--input", f"{name}={i}", "--output", f"{output}={o}"]
        run(cmd + (["--dims", dims] if dims else []))
        return np.load(o)


class Ort:
    def __init__(self, cache, work):
        self.env = dict(os.environ, NODE_PATH=os.path.join(cache, "node_modules"))
        self.script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ort.js")
        self.work = work

    def run(self, model, x, per_row=False):
        i, o = os.path.join(self.work, "ort-in.npy"), os.path.join(self.work, "ort-out.npy")
        np.save(i, x)
        run(["node", self.script, model, i, o] + (["--per-row"] if per_row else []), env=self.env)
        return np.load(o)


def input_name(model):
    import onnx
    m = onnx.load(model, load_external_data=False)
    inits = {t.name for t in m.graph.initializer}
    return [i.name for i in m.graph.input if i.name not in inits][0]


def rel_error(pairs):
    """max |t - o| / max |o| over every (t, o) pair: the error relative to the output's range."""
    err = max(float(np.abs(t.astype(np.float64) - o).max()) for t, o in pairs)
    return err / max(float(np.abs(o).max()) for _, o in pairs)


def cosine(a, b):
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def windows(features):
    """[1, 1, F, 32] mel frames -> [E, 76, 32, 1] embedding inputs, every 8 frames."""
    f = features[0, 0] / 10.0 + 2.0
    n = (f.shape[0] - 76) // 8 + 1
    return np.stack([f[8 * e:8 * e + 76] for e in range(n)])[..., None].astype(np.float32)


def perturbed(audio):
    """The clip under each perturbation its float decision must survive, one row each."""
    rows = [audio[0] + np.random.default_rng(seed).standard_normal(audio.shape[1]).astype(np.float32) * NOISE
            for seed in range(SEEDS)]
    return np.stack(rows + [np.roll(audio[0], shift) for shift in SHIFTS]).astype(np.float32)


def float_scores(ort, models, audio):
    """onnxruntime's best window score for each row of audio, the float pipeline end to end."""
    mel = ort.run(models["melspectrogram"], audio)
    xs = [windows(mel[r:r + 1]) for r in range(len(audio))]
    emb = np.split(ort.run(models["embedding_model"], np.concatenate(xs)), len(xs))
    return [float(ort.run(models["hey_jarvis_v0.1"], classifier_windows(e), True).max()) for e in emb]


def classifier_windows(emb):
    e = emb.reshape(emb.shape[0], 96)
    return np.stack([e[c:c + 16] for c in range(e.shape[0] - 15)]).astype(np.float32)


def embeddings_on_host(tessel, model, clips):
    """The embedding model on tessel's host over every clip's frames, a batch of at most BATCH_CLIPS clips
    at a time (the host holds at most 4 GiB of tensors), one array per clip."""
    out = []
    for at in range(0, len(clips), BATCH_CLIPS):
        xs = np.concatenate([c["x"] for c in clips[at:at + BATCH_CLIPS]])
        out += np.split(tessel.host(model, xs, "conv2d_19", f"unk__314={len(xs)}"), len(clips[at:at + BATCH_CLIPS]))
    return out


def scores_on_host(tessel, model, z):
    return np.array([tessel.host(model, z[c:c + 1], "53").item() for c in range(z.shape[0])])


def out_scale(model):
    """The scale of the DequantizeLinear the graph's output comes from (through Transposes, Reshapes)."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(model)
    by_output = {o: n for n in m.graph.node for o in n.output}
    n = by_output[m.graph.output[0].name]
    while n.op_type != "DequantizeLinear":
        n = by_output[n.input[0]]
    return float(numpy_helper.to_array(next(t for t in m.graph.initializer if t.name == n.input[1])))


def clock_mhz(hw):
    return float(re.search(r"^clock_mhz:\s*([0-9.eE+]+)", open(hw).read(), re.M).group(1))


def quantized(exe, tessel, ort, models, cal, clips, xs, work, width):
    """`tessel quantize` of the embedding model with `width` activations: onnxruntime runs it, and tessel's host
    gives its outputs within one quantization step of onnxruntime's.  The model, and its figures."""
    q = os.path.join(work, f"embedding_model-{width}.onnx")
    # int16 activations (W8A16) with the weights fitted layer by layer: the variant that keeps every decision
    # (docs/quantize.md); int8 as `tessel quantize` does by default
    report = json.loads(run([exe, "quantize", models["embedding_model"], "--calibrate", *cal, "-o", q, "--json",
                             "--activations", width, "--weights", "fit" if width == "int16" else "round"]))
    out = report["outputs"][0]
    print(f"quantize, {width} activations: {report['quantized']} nodes with int8 weights, {report['samples']} "
          f"calibration files; output {out['name']}: max |error| {out['max_abs_error']:.4g} of max |float| "
          f"{out['max_abs_float']:.4g}, cosine {out['cosine']:.6f}")
    check(report["quantized"] == 20 and report["skipped"] == 0 and report["activation_bits"] == int(width[3:]) and
          report["fitted"] == (20 if width == "int16" else 0), f"quantize, {width}: all 20 convolutions"
          + (", their weights fitted" if width == "int16" else ""))
    step = out_scale(q)
    q_host = np.concatenate(embeddings_on_host(tessel, q, clips))
    d = np.abs(q_host.astype(np.float64) - ort.run(q, xs)) / step
    worst_steps, differ, total = float(d.max()), int((d > 1e-3).sum()), d.size
    for c, y in zip(clips, np.split(q_host, len(clips))):
        c.setdefault("q_host", {})[width] = y
    if width == "int8":  # onnxruntime fuses each pattern into its integer QLinearConv, as tessel imports it
        check(worst_steps <= 1.0 + 1e-3, f"{width} model, tessel's host vs onnxruntime: within {worst_steps:.3g} "
              f"quantization steps (<= 1); {differ} of {total} values differ")
    else:  # onnxruntime has no int16 QLinearConv: it runs the Dequantize, float Conv, Quantize nodes in fp32, whose
        # rounding may leave each layer one int16 step from the integer product's, and the steps go on through
        # the later layers
        rel = float(d.max()) * step / float(np.abs(q_host).max())
        check(rel <= 1e-3, f"{width} model, tessel's host vs onnxruntime: within {worst_steps:.3g} quantization steps, "
              f"{rel:.2g} of the output's range (<= 1e-3); {differ} of {total} values differ")
    return q, {"quantize": report, "host_vs_ort_differ": differ, "values": total}


def on_device(exe, frames, ort, hwdir, hw, q, models, clips, xs, held, work, width):
    """The quantized model compiled (batch 1) for hw and run on the simulator once per frame through the C API:
    bit for bit tessel's host, cosine >= 0.99 with onnxruntime's float embeddings, and the classifier on its
    embeddings decides as the float pipeline does: on every clip with int16 activations, on the clips at least
    MARGIN from the threshold with int8 ones.  Its figures."""
    desc = os.path.join(hwdir, hw + ".yaml")
    prog = os.path.join(work, f"emb-{width}-{hw}.tsp")
    run([exe, "compile", q, "--hw", desc, "--dims", "unk__314=1", "-o", prog])
    exact, cos_min, agree, every = True, 1.0, True, width == "int16"
    i, o = os.path.join(work, "dev-in.npy"), os.path.join(work, "dev-out.npy")
    np.save(i, xs)  # every clip's frames, one run each
    r = json.loads(run([frames, prog, i, o]))
    cycles, host_s = r["cycles"], r["host_seconds"]
    ys = np.split(np.load(o), len(clips))
    for k, (c, y) in enumerate(zip(clips, ys)):
        exact &= bool(np.array_equal(y, c["q_host"][width]))
        cos_min = min(cos_min, cosine(y, c["emb"]))
        s = ort.run(models["hey_jarvis_v0.1"], classifier_windows(y), True).ravel()
        c.setdefault("scores", {}).setdefault(width, {})[hw] = float(s.max())
        if bool(s.max() >= 0.5) != c["detected"]:
            agree &= not every and not c["held"]
            print(f"  {hw}: clip {k} '{c['text']}' scores {s.max():.4f} {width}, {c['score']:.4f} float"
                  + ("" if c["held"] else f" (within {MARGIN} of the threshold; "
                     f"{min(c['perturbed']):.4f}..{max(c['perturbed']):.4f} in float under the perturbations)"))
    check(exact, f"{hw}: the {width} model on the simulator equals tessel's host bit for bit")
    check(cos_min >= 0.99, f"{hw}, {width}: cosine similarity with onnxruntime's float embeddings >= 0.99 "
          f"(least {cos_min:.5f})")
    check(agree, f"{hw}, {width}: the classifier on its embeddings detects the clips the float pipeline detects "
          + (f"(all {len(clips)})" if every else f"(the {len(held)} clips at least {MARGIN} from 0.5)"))
    per = cycles / (len(clips) * len(ys[0]))
    ms = per / (clock_mhz(desc) * 1e3)
    print(f"{hw}, {width}: {per:.0f} cycles per 80 ms frame = {ms:.2f} ms at {clock_mhz(desc):g} MHz, real-time "
          f"factor {ms / 80.0:.3f}; host steps {1e3 * host_s / (len(clips) * len(ys[0])):.2f} ms per frame on this machine")
    return {"cycles_per_embedding": per, "ms_per_frame": ms, "real_time_factor": ms / 80.0,
            "host_seconds_per_embedding": host_s / (len(clips) * len(ys[0]))}


def main():
    args = sys.argv[1:]
    opts = {"--clips": str(len(TEST_PHRASES)), "--hw": "edge-tiny,vta-default", "--activations": "int8,int16"}
    while len(args) > 5 and args[-2] in opts:
        opts[args[-2]] = args[-1]
        args = args[:-2]
    if len(args) != 5:
        sys.exit(__doc__)
    exe, frames, cache, hwdir, work = args
    os.makedirs(work, exist_ok=True)
    models = {m: os.path.join(cache, "models", m + ".onnx") for m in ("melspectrogram", "embedding_model", "hey_jarvis_v0.1")}
    tessel, ort = Tessel(exe, work), Ort(cache, work)
    phrases = TEST_PHRASES[:int(opts["--clips"])]
    mel_dims = f"batch_size=1,samples={CLIP}"

    # 1. the float pipeline on tessel's host and on onnxruntime
    clips = []
    pairs = {"melspectrogram": [], "embedding": [], "classifier": []}
    for k, phrase in enumerate(phrases):
        audio = speech(phrase, os.path.join(work, f"clip{k}.wav"))
        mel_t, mel_o = tessel.host(models["melspectrogram"], audio, "output", mel_dims), ort.run(models["melspectrogram"], audio)
        pairs["melspectrogram"].append((mel_t, mel_o))
        clips.append({"text": f"{phrase[0]} ({phrase[1]})", "x": windows(mel_o), "audio": audio})
    # the embedding model once over every clip's frames (a batch)
    xs = np.concatenate([c["x"] for c in clips])
    emb_t = embeddings_on_host(tessel, models["embedding_model"], clips)
    emb_o = np.split(ort.run(models["embedding_model"], xs), len(clips))
    for k, c in enumerate(clips):
        pairs["embedding"].append((emb_t[k], emb_o[k]))
        z = classifier_windows(emb_o[k])
        s_o = ort.run(models["hey_jarvis_v0.1"], z, True).ravel()
        # tessel's host runs the classifier (batch 1) on the windows that decide: the best and its neighbours
        near = [w for w in range(int(s_o.argmax()) - 1, int(s_o.argmax()) + 2) if 0 <= w < len(z)]
        s_t = scores_on_host(tessel, models["hey_jarvis_v0.1"], z[near])
        pairs["classifier"].append((s_t, s_o[near]))
        c.update(emb=emb_o[k], score=float(s_o.max()), detected=bool(s_o.max() >= 0.5))
        c["perturbed"] = float_scores(ort, models, perturbed(c.pop("audio")))
        c["stable"] = all((p >= 0.5) == c["detected"] for p in c["perturbed"])
        c["held"] = abs(c["score"] - 0.5) >= MARGIN
        print(f"clip {k} '{c['text']}': {len(c['x'])} embeddings, best score {s_o.max():.4f} (onnxruntime), "
              f"{s_t.max():.4f} (tessel); perturbed {min(c['perturbed']):.4f}..{max(c['perturbed']):.4f}"
              + ("" if c["stable"] else ": the float decision is not stable"))
    held = [c for c in clips if c["held"]]
    if len(clips) == len(TEST_PHRASES):  # the whole set: both decisions among the held clips
        check(any(c["detected"] for c in held) and not all(c["detected"] for c in held),
              f"{len(held)} of {len(clips)} clips are at least {MARGIN} from the threshold, detected and not")
    worst = {m: rel_error(p) for m, p in pairs.items()}
    for m, e in worst.items():
        check(e <= 1e-4, f"float {m} on tessel's host vs onnxruntime: max relative error {e:.3g} (<= 1e-4)")

    # 2. quantization, calibrated on other phrases: int8 activations, and int16 (W8A16)
    cal = []
    for k, phrase in enumerate(CALIBRATION_PHRASES):
        a = speech(phrase, os.path.join(work, f"cal{k}.wav"))
        cal.append(os.path.join(work, f"cal{k}.npy"))
        np.save(cal[-1], windows(ort.run(models["melspectrogram"], a)))
    n = clips[0]["x"].shape[0]
    figures = {"clips": len(clips), "embeddings_per_clip": n, "max_rel_error": worst}
    for width in opts["--activations"].split(","):
        q, fig = quantized(exe, tessel, ort, models, cal, clips, xs, work, width)
        figures[width] = fig
        # 3. compiled for each description, on the simulator
        fig["hw"] = {hw: on_device(exe, frames, ort, hwdir, hw, q, models, clips, xs, held, work, width)
                     for hw in opts["--hw"].split(",")}
    figures["clips_scores"] = [{"text": c["text"], "float": c["score"], "perturbed": c["perturbed"],
                                "stable": c["stable"], "held": c["held"], **c.get("scores", {})} for c in clips]
    with open(os.path.join(work, "figures.json"), "w") as f:
        json.dump(figures, f, indent=1, default=float)
    if failures:
        sys.exit(f"wakeword: {len(failures)} checks failed")


if __name__ == "__main__":
    main()
