#!/usr/bin/python3
"""scripts/quant-experiments.py CACHE WORK [--cal old|new|both] [--variant NAME,...] [--float N,...] [--act-bits B]
                               [--wide N,...] [--save-cal DIR]

Measures quantization variants of openWakeWord's embedding model on the
wake-word test's clips (tests/wakeword/wakeword.py), the experiments behind
docs/quantize.md's "Where the int8 error comes from".  CACHE holds the
models and onnxruntime-node (tests/wakeword/fetch.sh); WORK is scratch.

The embedding model (20 convolutions, LeakyRelu, a clamp at -0.4, max
pooling) is re-implemented in numpy (checked against onnxruntime to 1e-5
relative), and int8 is simulated: QuantizeLinear then DequantizeLinear
around each convolution, as the QDQ model `tessel quantize` writes states
it.  The simulation rounds each convolution's float result once, where
onnxruntime and tessel requantize an int32 accumulator, so its scores are
close to theirs, not equal.  The classifier runs on onnxruntime.

Calibration sets (--cal): old, the test's 14 CALIBRATION_PHRASES; new, 64
clips of the wake word and other speech in voices the test clips do not
use, at 100-150 words a minute (new_calibration() below); both.

Variants (--variant):
  baseline    what `tessel quantize` does: min/max ranges, per-channel
              weights rounded to nearest, bias correction from the float
              model's channel means;
  sequential  the layers in order, each fitted on the inputs the quantized
              layers before it feed it (X_q) to the float layer's output:
              W' = argmin |W' X_q + b' - (W X_f + b)|^2 + lambda |W' - W|^2
              (lambda 0.01 of the mean of diag(X_q X_q^T)), rounded by GPTQ
              from X_q's second moments, the bias refitted to the rounded
              weights;
  sequential-rtn  the same fit, rounded to nearest;
  joint-rtn   the same fit of every layer at once, on the inputs one run of
              the baseline model gives it; joint-rtnN: N such rounds, each
              on the inputs of the model the round before fitted;
  sensitivity each convolution alone int8 (baseline), the others float: the
              relative RMS error of the embeddings on every fourth
              calibration window (how --float's layers were chosen);
  onnx:PATH   a quantized model (`tessel quantize`'s) run on onnxruntime,
              not simulated: the per-convolution errors are not printed.
--save-cal DIR writes each calibration clip's windows as DIR/calNN.npy, the
files `tessel quantize --calibrate` takes.
--float N,...: those convolutions (0-19) left in float (mixed precision).
--act-bits B: activations of B bits instead of 8 (2^B - 1 steps; weights
stay int8).  --wide N,...: 16 bits for those convolutions' inputs and
outputs only.

Printed per variant: the number of clips whose decision flips, the mean and
largest |int8 score - float score| over the clips, the least cosine of a
clip's embeddings with the float ones, each convolution's relative RMS
error (%) on the test clips, and each clip's best-window scores.
"""
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "wakeword"))
import wakeword as ww  # noqa: E402

CHUNK = 128  # windows per numpy batch
VOICE_BASES = ["en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-us-nyc", "en-gb-x-rp", "en", "en-gb", "en-us", "en-029",
               "en-gb-scotland"]
VOICE_VARIANTS = ["", "+m1", "+m5", "+m6", "+f2", "+f4", "+m3", "+f1"]
TEXTS = ["hey jarvis", "hey jarvis", "hey jarvis, what's the weather", "okay jarvis", "jarvis", "hey there",
         "turn the lights off in the kitchen", "what is on my calendar", "call mom", "remind me to buy milk",
         "how far is the moon", "hey harvey", "play the next song", "good night", "seven eight nine ten",
         "it is raining outside"]


def new_calibration(n=64):
    """(text, voice, words a minute): voices the test clips do not use, drawn with a fixed seed."""
    used = {v for _, v in ww.TEST_PHRASES}
    voices = [b + v for b in VOICE_BASES for v in VOICE_VARIANTS if b + v not in used]
    rng = np.random.default_rng(1)
    return [(TEXTS[k % len(TEXTS)], voices[rng.integers(len(voices))], int(rng.choice([100, 110, 120, 130, 150])))
            for k in range(n)]


def speech(text, voice, speed, path):
    ww.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", path, text])
    import wave
    with wave.open(path) as w:
        rate, x = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    t = np.arange(int(len(x) * ww.RATE / rate)) * (rate / ww.RATE)
    y = np.interp(t, np.arange(len(x)), x)
    clip = np.zeros(ww.CLIP)
    n = min(len(y), ww.CLIP - ww.RATE // 2)
    clip[ww.RATE // 2:ww.RATE // 2 + n] = y[:n]
    return clip.astype(np.float32)[None, :]


def windows(ort, mel, phrases, work):
    """[clips, E, 76, 32, 1]: each clip's embedding-model inputs, its melspectrogram run alone as the test runs it."""
    return np.stack([ww.windows(ort.run(mel, speech(t, v, s, os.path.join(work, "a.wav")))) for t, v, s in phrases])


# ---- the embedding model in numpy ----

def load(path):
    m = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    layers = []
    for n in m.graph.node:
        a = {x.name: onnx.helper.get_attribute_value(x) for x in n.attribute}
        if n.op_type == "Conv":
            w = inits[n.input[1]].astype(np.float64)
            b = inits[n.input[2]].astype(np.float64) if len(n.input) > 2 else np.zeros(w.shape[0])
            layers.append(dict(w=w, b=b, pads=a.get("pads", [0, 0, 0, 0]), post=[]))
        elif n.op_type == "LeakyRelu":
            layers[-1]["post"].append(("lrelu", a["alpha"]))
        elif n.op_type == "Max":
            layers[-1]["post"].append(("max", float(inits[n.input[1]].ravel()[0])))
        elif n.op_type == "MaxPool":
            layers[-1]["post"].append(("pool", a["kernel_shape"], a["strides"]))
    return layers


def im2col(x, w, pads):
    """x [B, I, H, W] -> [B, Ho, Wo, I*kh*kw], the taps in the order of w.reshape(O, -1)."""
    t, left, bottom, right = pads
    x = np.pad(x, ((0, 0), (0, 0), (t, bottom), (left, right)))
    _, i_, kh, kw = w.shape
    ho, wo = x.shape[2] - kh + 1, x.shape[3] - kw + 1
    cols = np.empty((x.shape[0], ho, wo, i_, kh, kw), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[..., i, j] = x[:, :, i:i + ho, j:j + wo].transpose(0, 2, 3, 1)
    return cols.reshape(x.shape[0], ho, wo, i_ * kh * kw)


def conv(x, w, b, pads):
    return (im2col(x, w, pads) @ w.reshape(w.shape[0], -1).T + b).transpose(0, 3, 1, 2)


def post(y, ops):
    for op in ops:
        if op[0] == "lrelu":
            y = np.where(y >= 0, y, y * op[1])
        elif op[0] == "max":
            y = np.maximum(y, op[1])
        else:
            (kh, kw), (sh, sw) = op[1], op[2]
            ho, wo = (y.shape[2] - kh) // sh + 1, (y.shape[3] - kw) // sw + 1
            y = np.max(np.stack([y[:, :, i:i + sh * ho:sh, j:j + sw * wo:sw] for i in range(kh) for j in range(kw)]), 0)
    return y


ACT_BITS = 8  # --act-bits
WIDE = set()  # --wide: convolutions whose input and output take 16 bits


def act_params(lo, hi, bits):
    """As quant/calibrate.c: the range widened to hold 0, 255 steps (with 8 bits), the zero point rounded."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    top = 2 ** (bits - 1)
    s = float(np.float32((hi - lo) / (2 * top - 1)))
    return s, float(np.clip(np.rint(-top - lo / s), -top, top - 1)), top


def fq(x, p):
    s, z, top = p
    return (np.clip(np.rint(x / s) + z, -top, top - 1) - z) * s


def inputs(x):
    return x.reshape(-1, 1, 76, 32).astype(np.float64)


def chunks(x):
    return [x[i:i + CHUNK] for i in range(0, len(x), CHUNK)]


def layer(x, lay, q):
    """One convolution and what follows it; q: its int8 parameters, or None (float)."""
    if q is None:
        return conv(x, lay["w"], lay["b"], lay["pads"])
    return fq(conv(fq(x, q["xp"]), q["w"], q["b"], lay["pads"]), q["yp"])


# ---- quantization ----

def ranges(layers, cal):
    """Each convolution's input and output ranges on the float model, as act_params."""
    lo, hi = np.full((len(layers), 2), np.inf), np.full((len(layers), 2), -np.inf)
    for x in chunks(cal):
        x = inputs(x)
        for k, lay in enumerate(layers):
            y = conv(x, lay["w"], lay["b"], lay["pads"])
            lo[k] = np.minimum(lo[k], [x.min(), y.min()])
            hi[k] = np.maximum(hi[k], [x.max(), y.max()])
            x = post(y, lay["post"])
    # a wide convolution reads and writes 16 bits (its output requantized to int16, the next one's input to
    # its own width)
    bits = [(16, 16) if k in WIDE else (ACT_BITS, ACT_BITS) for k in range(len(layers))]
    return [dict(xp=act_params(lo[k, 0], hi[k, 0], bits[k][0]), yp=act_params(lo[k, 1], hi[k, 1], bits[k][1]))
            for k in range(len(layers))]


def weight_scales(w):
    s = np.abs(w.reshape(w.shape[0], -1)).max(1) / 127.0
    s[s == 0] = 1.0
    return s


def int_bias(b, xs, ws):
    return np.rint(b / (xs * ws)) * xs * ws


def baseline(layers, cal, act):
    """Round to nearest; bias correction from the float model's channel means of x and fq(x) - x."""
    sums = [0.0] * len(layers)
    for x in chunks(cal):
        x = inputs(x)
        for k, lay in enumerate(layers):
            sums[k] = sums[k] + np.stack([x.sum((0, 2, 3)), (fq(x, act[k]["xp"]) - x).sum((0, 2, 3)),
                                          np.full(x.shape[1], x.size / x.shape[1])])
            x = post(conv(x, lay["w"], lay["b"], lay["pads"]), lay["post"])
    out = []
    for k, lay in enumerate(layers):
        ws = weight_scales(lay["w"])
        wq = np.clip(np.rint(lay["w"] / ws[:, None, None, None]), -127, 127) * ws[:, None, None, None]
        mean, shift = sums[k][0] / sums[k][2], sums[k][1] / sums[k][2]
        delta = (wq - lay["w"]).sum((2, 3)) @ mean + wq.sum((2, 3)) @ shift
        out.append(dict(act[k], w=wq, b=int_bias(lay["b"] - delta, act[k]["xp"][0], ws)))
    return out


def gptq(w, h, ws, damp=0.01):
    """Rounds w [O, K] a column at a time, the error spread over the columns after it (Frantar et al., 2022)."""
    w, k = w.copy(), w.shape[1]
    hinv = np.linalg.cholesky(np.linalg.inv(h + damp * np.mean(np.diag(h)) * np.eye(k))).T
    q = np.zeros_like(w)
    for j in range(k):
        q[:, j] = np.clip(np.rint(w[:, j] / ws), -127, 127) * ws
        e = (w[:, j] - q[:, j]) / hinv[j, j]
        w[:, j + 1:] -= np.outer(e, hinv[j, j + 1:])
    return q


def sequential(layers, cal, act, keep, use_gptq=True, lam=0.01, ref=None):
    """ref: the quantized layers whose inputs each layer is fitted on (all at once, from one run of that model),
    instead of the layers fitted before it."""
    xf = [inputs(x).astype(np.float32) for x in chunks(cal)]
    xq = [x.copy() for x in xf]
    out = []
    for k, lay in enumerate(layers):
        if k in keep:  # left in float: the quantized model's error goes on through it
            out.append(None)
            for i in range(len(xf)):
                xf[i] = post(layer(xf[i].astype(np.float64), lay, None), lay["post"]).astype(np.float32)
                xq[i] = post(layer(xq[i].astype(np.float64), lay, None), lay["post"]).astype(np.float32)
            continue
        o = lay["w"].shape[0]
        wf = lay["w"].reshape(o, -1)
        kk = wf.shape[1]
        h, c = np.zeros((kk + 1, kk + 1)), np.zeros((o, kk + 1))
        for a, b in zip(xf, xq):
            cf = im2col(a.astype(np.float64), lay["w"], lay["pads"]).reshape(-1, kk)
            cq = im2col(fq(b.astype(np.float64), act[k]["xp"]), lay["w"], lay["pads"]).reshape(-1, kk)
            cq = np.concatenate([cq, np.ones((len(cq), 1))], 1)
            h += cq.T @ cq
            c += (cf @ wf.T + lay["b"]).T @ cq
        reg = np.eye(kk + 1) * lam * np.mean(np.diag(h)[:kk])
        reg[kk, kk] = 0.0
        wa = np.linalg.solve(h + reg, (c + np.concatenate([wf, lay["b"][:, None]], 1) @ reg).T).T
        ws = weight_scales(wa[:, :kk])
        wq = gptq(wa[:, :kk], h[:kk, :kk], ws) if use_gptq else \
            np.clip(np.rint(wa[:, :kk] / ws[:, None]), -127, 127) * ws[:, None]
        b = (c[:, kk] - wq @ h[kk, :kk]) / h[kk, kk]  # the mean residual, on the rounded weights
        q = dict(act[k], w=wq.reshape(lay["w"].shape), b=int_bias(b, act[k]["xp"][0], ws))
        out.append(q)
        for i in range(len(xf)):
            xf[i] = post(layer(xf[i].astype(np.float64), lay, None), lay["post"]).astype(np.float32)
            xq[i] = post(layer(xq[i].astype(np.float64), lay, ref[k] if ref else q), lay["post"]).astype(np.float32)
    return out


# ---- measuring ----

def best_scores(ort, cls, emb):
    z = np.concatenate([ww.classifier_windows(e) for e in emb])
    return ort.run(cls, z, True).reshape(len(emb), -1).max(1)


def evaluate(layers, test, q, ort, cls):
    """Float and int8 embeddings of the test clips, each convolution's relative RMS error, the scores."""
    ef, eq, err = [], [], np.zeros((len(layers), 2))
    for x in chunks(test.reshape(-1, 76, 32, 1)):
        a = b = inputs(x)
        for k, lay in enumerate(layers):
            ya, yb = layer(a, lay, None), layer(b, lay, q[k])
            err[k] += [((ya - yb) ** 2).sum(), (ya ** 2).sum()]
            a, b = post(ya, lay["post"]), post(yb, lay["post"])
        ef.append(a.reshape(len(x), 96))
        eq.append(b.reshape(len(x), 96))
    ef = np.concatenate(ef).reshape(test.shape[0], -1, 96)
    eq = np.concatenate(eq).reshape(test.shape[0], -1, 96)
    cos = min(ww.cosine(ef[c], eq[c]) for c in range(len(ef)))
    return best_scores(ort, cls, ef), best_scores(ort, cls, eq), cos, np.sqrt(err[:, 0] / err[:, 1])


def main():
    args = sys.argv[1:]
    global ACT_BITS, WIDE
    opts = {"--cal": "old", "--variant": "baseline,sequential", "--float": "", "--act-bits": "8", "--save-cal": "",
            "--wide": ""}
    while len(args) > 2 and args[-2] in opts:
        opts[args[-2]] = args[-1]
        args = args[:-2]
    if len(args) != 2:
        sys.exit(__doc__)
    cache, work = args
    ACT_BITS = int(opts["--act-bits"])
    WIDE = {int(k) for k in opts["--wide"].split(",") if k}
    os.makedirs(work, exist_ok=True)
    ort = ww.Ort(cache, tempfile.mkdtemp(dir=work))
    model = {m: os.path.join(cache, "models", m + ".onnx") for m in ("melspectrogram", "embedding_model", "hey_jarvis_v0.1")}
    layers = load(model["embedding_model"])
    test = windows(ort, model["melspectrogram"], [(t, v, 120) for t, v in ww.TEST_PHRASES], work)
    sets = {"old": [(t, v, 120) for t, v in ww.CALIBRATION_PHRASES], "new": new_calibration()}
    sets["both"] = sets["old"] + sets["new"]
    cal = windows(ort, model["melspectrogram"], sets[opts["--cal"]], work)
    if opts["--save-cal"]:
        os.makedirs(opts["--save-cal"], exist_ok=True)
        for k, c in enumerate(cal):
            np.save(os.path.join(opts["--save-cal"], f"cal{k:02d}.npy"), c.astype(np.float32))
    cal = cal.reshape(-1, 76, 32, 1)
    act = None
    keep = {int(k) for k in opts["--float"].split(",") if k}
    for variant in filter(None, opts["--variant"].split(",")):
        if variant.startswith("onnx:"):
            ef = ort.run(model["embedding_model"], test.reshape(-1, 76, 32, 1).astype(np.float32))
            eq = ort.run(variant[5:], test.reshape(-1, 76, 32, 1).astype(np.float32))
            ef, eq = ef.reshape(test.shape[0], -1, 96), eq.reshape(test.shape[0], -1, 96)
            cls = model["hey_jarvis_v0.1"]
            sf, sq = best_scores(ort, cls, ef), best_scores(ort, cls, eq)
            cos, rel = min(ww.cosine(ef[c], eq[c]) for c in range(len(ef))), None
            report(variant + " (onnxruntime)", sf, sq, cos, rel)
            continue
        act = act or ranges(layers, cal)
        if variant == "sensitivity":
            sensitivity(layers, cal, baseline(layers, cal, act))
            continue
        if variant == "baseline":
            q = baseline(layers, cal, act)
        elif variant in ("sequential", "sequential-rtn"):
            q = sequential(layers, cal, act, keep, use_gptq=variant == "sequential")
        elif variant.startswith("joint"):  # joint-rtn, joint-rtnN: N rounds, each on the last round's model
            q = baseline(layers, cal, act)
            for _ in range(int(variant[9:] or 1)):
                q = sequential(layers, cal, act, keep, use_gptq=False, ref=q)
        else:
            sys.exit(f"quant-experiments: no variant '{variant}'")
        q = [None if k in keep else qk for k, qk in enumerate(q)]
        sf, sq, cos, rel = evaluate(layers, test, q, ort, model["hey_jarvis_v0.1"])
        report(f"{variant}, calibration {opts['--cal']} ({len(sets[opts['--cal']])} clips), activations {ACT_BITS} bits"
               + (f", 16 bits around {sorted(WIDE)}" if WIDE else "") + (f", float {sorted(keep)}" if keep else ""), sf, sq, cos, rel)


def sensitivity(layers, cal, q):
    x = inputs(cal[::4])
    ref = x
    for lay in layers:
        ref = post(layer(ref, lay, None), lay["post"])
    for k in range(len(layers)):
        y = x
        for j, lay in enumerate(layers):
            y = post(layer(y, lay, q[k] if j == k else None), lay["post"])
        print(f"conv {k} alone int8: embeddings' relative RMS error {100 * np.sqrt(((y - ref) ** 2).sum() / (ref ** 2).sum()):.1f}%")
        sys.stdout.flush()


def report(what, sf, sq, cos, rel):
    d = np.abs(sq - sf)
    print(f"{what}: {int(((sf >= 0.5) != (sq >= 0.5)).sum())} of {len(sf)} clips flip; mean |d score| {d.mean():.4f}, "
          f"max {d.max():.4f}; least cosine {cos:.5f}")
    if rel is not None:
        print("  relative RMS error (%): " + " ".join(f"{100 * r:.1f}" for r in rel))
    for (t, v), f, s in zip(ww.TEST_PHRASES, sf, sq):
        print(f"  {t} ({v}): float {f:.4f}, int8 {s:.4f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
