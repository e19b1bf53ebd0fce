#!/usr/bin/env python3
"""Times the reference frameworks on Heed's benchmark cases and prints Heed's ratios.

Cases, all Float32 on the CPU with the same thread count:
- attention: Keras `Attention` dot scores (unscaled, with `--scaled` 1/sqrt(D)), forward and
  forward+backward (dQ, dK, dV of sum(out * R)), causal and full, at bench-attention's shapes:
  PyTorch eager (matmul/softmax/matmul and `F.scaled_dot_product_attention`), JAX `jit`,
  TensorFlow (`tf.function`).
- training step (batch 32, length 200, vocabulary 10,000): Embedding 128 → Attention([x, x]) →
  GlobalAveragePooling1D → Dense(2) softmax, sparse categorical cross-entropy, Adam:
  tf.keras `train_on_batch`, Keras 3 `train_on_batch`, PyTorch eager with fused Adam.

Heed's own figures come from `bench-attention --json` and `bench-train --json` files (or are run
here with `--heed-bin DIR`). Frameworks that are not installed are skipped and named.

    python3 Benchmarks/reference/compare.py --threads 2 \
        --heed-attention heed-attention.json --heed-train heed-train.json
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--heed-attention", help="bench-attention --json output")
    p.add_argument("--heed-train", help="bench-train --json output")
    p.add_argument("--heed-bin", help="directory holding bench-attention and bench-train (runs them here)")
    p.add_argument("--shape", action="append", help="B,T,D (repeatable; default bench-attention's)")
    p.add_argument("--min-time", type=float, default=0.5, help="seconds per attention case and framework")
    p.add_argument("--steps", type=int, default=60, help="timed training steps per framework")
    p.add_argument("--rounds", type=int, default=4, help="alternating rounds of the training-step comparison")
    p.add_argument("--attention-rounds", type=int, default=3,
                   help="rounds of the attention comparison (Heed, then each framework, per round); "
                        "each case reports the median over the rounds, so one busy round does not decide it")
    p.add_argument("--skip-attention", action="store_true")
    p.add_argument("--skip-train", action="store_true")
    p.add_argument("--only", action="append", help="torch, jax, tensorflow, tf_keras, keras3 (repeatable)")
    p.add_argument("--worker", nargs=2, metavar=("KIND", "FRAMEWORK"), help=argparse.SUPPRESS)
    return p.parse_args()


ARGS = parse_args()
os.environ.setdefault("OMP_NUM_THREADS", str(ARGS.threads))
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(ARGS.threads))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def wanted(name):
    return ARGS.only is None or name in ARGS.only


def timed(fn, min_time=None, count=None, warmup=2):
    """Median, p10 and p90 milliseconds of fn()."""
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while True:
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
        if count is not None and len(times) >= count:
            break
        if count is None and len(times) >= 5 and time.perf_counter() - start >= min_time:
            break
    out = summary(times)
    out["times_ms"] = times
    return out


def summary(times):
    times = sorted(times)
    q = lambda f: times[min(len(times) - 1, int(round(f * (len(times) - 1))))]
    return {"median_ms": statistics.median(times), "p10_ms": q(0.1), "p90_ms": q(0.9), "samples": len(times)}

# ---------------------------------------------------------------- frameworks

def load_torch():
    if not wanted("torch"):
        return None
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(ARGS.threads)
    return torch


def load_tf():
    if not (wanted("tensorflow") or wanted("tf_keras")):
        return None
    try:
        import tensorflow as tf
    except ImportError:
        return None
    tf.config.threading.set_intra_op_parallelism_threads(ARGS.threads)
    tf.config.threading.set_inter_op_parallelism_threads(ARGS.threads)
    return tf


def load_jax():
    if not wanted("jax"):
        return None
    try:
        import jax
    except ImportError:
        return None
    return jax


# ---------------------------------------------------------------- attention cases

def attention_cases():
    shapes = [tuple(int(x) for x in s.split(",")) for s in ARGS.shape] if ARGS.shape else \
        [(32, 128, 64), (8, 512, 64), (1, 2048, 64), (32, 200, 128)]
    for (b, t, d) in shapes:
        for causal in (False, True):
            for mode in ("forward", "forward_backward"):
                yield b, t, d, causal, mode


def torch_attention(torch, b, t, d, causal, mode, scaled, fused):
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(b * 7919 + t * 31 + d)
    q, k, v = (torch.randn(b, t, d, generator=g) for _ in range(3))
    r = torch.rand(b, t, d, generator=g) * 2 - 1
    scale = 1 / d ** 0.5 if scaled else 1.0
    hide = torch.ones(t, t, dtype=torch.bool).tril().logical_not() if causal else None

    def composite(q, k, v):
        s = torch.matmul(q, k.transpose(1, 2)) * scale
        if hide is not None:
            s = s - 1e9 * hide
        return torch.matmul(torch.softmax(s, dim=-1), v)

    def sdpa(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal, scale=scale)

    f = sdpa if fused else composite
    if mode == "forward":
        def run():
            with torch.no_grad():
                f(q, k, v)
    else:
        def run():
            ql, kl, vl = (x.detach().requires_grad_() for x in (q, k, v))
            f(ql, kl, vl).backward(r)
    return run


def jax_attention(jax, b, t, d, causal, mode, scaled):
    import jax.numpy as jnp
    key = jax.random.PRNGKey(b * 7919 + t * 31 + d)
    ks = jax.random.split(key, 4)
    q, k, v = (jax.random.normal(ks[i], (b, t, d), jnp.float32) for i in range(3))
    r = jax.random.uniform(ks[3], (b, t, d), jnp.float32, -1, 1)
    scale = 1 / d ** 0.5 if scaled else 1.0
    hide = jnp.logical_not(jnp.tril(jnp.ones((t, t), bool))) if causal else None

    def attend(q, k, v):
        s = jnp.einsum("btd,bsd->bts", q, k) * scale
        if hide is not None:
            s = s - 1e9 * hide
        return jnp.einsum("bts,bsd->btd", jax.nn.softmax(s, axis=-1), v)

    if mode == "forward":
        f = jax.jit(attend)
        return lambda: f(q, k, v).block_until_ready()
    grad = jax.jit(jax.grad(lambda q, k, v: jnp.sum(attend(q, k, v) * r), argnums=(0, 1, 2)))
    return lambda: [x.block_until_ready() for x in grad(q, k, v)]


def tf_attention(tf, b, t, d, causal, mode, scaled):
    tf.random.set_seed(b * 7919 + t * 31 + d)
    q, k, v = (tf.random.normal((b, t, d)) for _ in range(3))
    r = tf.random.uniform((b, t, d), -1, 1)
    scale = 1 / d ** 0.5 if scaled else 1.0
    hide = tf.cast(tf.logical_not(tf.cast(tf.linalg.band_part(tf.ones((t, t)), -1, 0), tf.bool)), tf.float32) \
        if causal else None

    def attend(q, k, v):
        s = tf.matmul(q, k, transpose_b=True) * scale
        if hide is not None:
            s = s - 1e9 * hide
        return tf.matmul(tf.nn.softmax(s, axis=-1), v)

    if mode == "forward":
        f = tf.function(attend, jit_compile=False)
        return lambda: f(q, k, v).numpy()

    @tf.function
    def grads(q, k, v):
        with tf.GradientTape() as tape:
            tape.watch([q, k, v])
            loss = tf.reduce_sum(attend(q, k, v) * r)
        return tape.gradient(loss, [q, k, v])
    return lambda: [x.numpy() for x in grads(q, k, v)]


# ---------------------------------------------------------------- training step

VOCAB, WIDTH, BATCH, LENGTH, CLASSES = 10_000, 128, 32, 200, 2


def synthetic_batches(np, n=8, seed=17):
    rng = np.random.default_rng(seed)
    return [(rng.integers(0, VOCAB, (BATCH, LENGTH)).astype("int32"), rng.integers(0, CLASSES, (BATCH,)).astype("int32"))
            for _ in range(n)]


def keras_train_step(keras_module):
    """train_on_batch of the Keras AttentionModel through the given Keras package."""
    import numpy as np
    layers = keras_module.layers
    inputs = keras_module.Input(shape=(LENGTH,), dtype="int32")
    x = layers.Embedding(VOCAB, WIDTH)(inputs)
    x = layers.Attention()([x, x])
    x = layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(CLASSES, activation="softmax")(x)
    model = keras_module.Model(inputs, outputs)
    model.compile(optimizer=keras_module.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    batches = synthetic_batches(np)
    state = {"i": 0}

    def step():
        ids, labels = batches[state["i"] % len(batches)]
        state["i"] += 1
        model.train_on_batch(ids, labels)
    return step


def torch_train_step(torch):
    import numpy as np
    nn = torch.nn

    class AttentionModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCAB, WIDTH)
            nn.init.uniform_(self.embedding.weight, -0.05, 0.05)
            self.dense = nn.Linear(WIDTH, CLASSES)
            nn.init.xavier_uniform_(self.dense.weight)
            nn.init.zeros_(self.dense.bias)

        def forward(self, ids):
            x = self.embedding(ids)
            w = torch.softmax(torch.matmul(x, x.transpose(1, 2)), dim=-1)
            return self.dense(torch.matmul(w, x).mean(dim=1))

    model = AttentionModel()
    kwargs = {"fused": True}
    try:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, **kwargs)
    except (RuntimeError, TypeError):
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, foreach=True)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(torch.from_numpy(i.astype("int64")), torch.from_numpy(l.astype("int64"))) for i, l in synthetic_batches(np)]
    state = {"i": 0}

    def step():
        ids, labels = batches[state["i"] % len(batches)]
        state["i"] += 1
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(ids), labels)
        loss.backward()
        optimizer.step()
    return step


# ---------------------------------------------------------------- Heed

def heed_json(path, binary, extra):
    if path:
        with open(path) as f:
            return json.load(f)
    if ARGS.heed_bin:
        exe = os.path.join(ARGS.heed_bin, binary)
        out = subprocess.run([exe, "--threads", str(ARGS.threads), "--json"] + extra, check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)
    return None


FRAMEWORK_NAMES = {"torch": "PyTorch eager", "torch_sdpa": "PyTorch sdpa", "jax": "JAX jit",
                   "tensorflow": "tf.function", "tf_keras": "tf.keras train_on_batch",
                   "keras3": "Keras 3 train_on_batch", "torch_train": "PyTorch eager, fused Adam"}


def worker(kind, framework):
    """Runs in its own process (TensorFlow and JAX cannot share one: their LLVMs clash) and
    prints JSON: per attention case the median ms, or the training step's times."""
    if kind == "attention":
        out = {}
        module = load_torch() if framework.startswith("torch") else load_jax() if framework == "jax" else load_tf()
        if module is None:
            print(json.dumps(None))
            return
        for (b, t, d, causal, mode) in attention_cases():
            if framework == "jax":
                run = jax_attention(module, b, t, d, causal, mode, True)
            elif framework == "tensorflow":
                run = tf_attention(module, b, t, d, causal, mode, True)
            else:
                run = torch_attention(module, b, t, d, causal, mode, True, framework == "torch_sdpa")
            out[f"{b},{t},{d},{causal},{mode}"] = timed(run, ARGS.min_time)["median_ms"]
        print(json.dumps({"version": module.__version__, "cases": out}))
        return
    if framework == "torch_train":
        torch = load_torch()
        step = torch_train_step(torch) if torch else None
        version = torch.__version__ if torch else None
    else:
        try:
            if framework == "tf_keras":
                load_tf()
                import tf_keras as keras_module
            else:
                os.environ["KERAS_BACKEND"] = "tensorflow"
                import keras as keras_module
                if not keras_module.__version__.startswith("3"):
                    raise ImportError("Keras 3 is not installed")
            step, version = keras_train_step(keras_module), keras_module.__version__
        except ImportError:
            step, version = None, None
    if step is None:
        print(json.dumps(None))
        return
    print(json.dumps({"version": version, "times_ms": timed(step, count=ARGS.steps, warmup=3)["times_ms"]}))


def run_worker(kind, framework, steps=None):
    args = [sys.executable, os.path.abspath(__file__), "--worker", kind, framework, "--threads", str(ARGS.threads),
            "--min-time", str(ARGS.min_time), "--steps", str(steps or ARGS.steps)]
    for shape in ARGS.shape or []:
        args += ["--shape", shape]
    done = subprocess.run(args, capture_output=True, text=True)
    lines = [l for l in done.stdout.splitlines() if l.startswith("{") or l == "null"]
    if done.returncode != 0 or not lines:
        print(f"{FRAMEWORK_NAMES[framework]}: failed ({done.stderr.strip().splitlines()[-1:] or done.returncode})")
        return None
    return json.loads(lines[-1])


def main():
    if ARGS.worker:
        worker(*ARGS.worker)
        return
    print(f"threads: {ARGS.threads}")
    if not ARGS.skip_attention:
        # Heed and the frameworks take turns, round after round, so that a busy spell of the
        # machine hits them alike; each figure is the median of its rounds' medians.
        frameworks = [f for f in ("torch", "torch_sdpa", "jax", "tensorflow") if wanted(f.split("_")[0])]
        heed_rounds, framework_rounds = {}, {}
        rounds = 1 if ARGS.heed_attention else max(1, ARGS.attention_rounds)
        for r in range(rounds):
            heed = heed_json(ARGS.heed_attention, "bench-attention", ["--min-time", str(ARGS.min_time)]
                             + sum((["--shape", s] for s in ARGS.shape or []), []))
            for c in heed or []:
                key = (c["batch"], c["time"], c["dim"], c["causal"], c["scaled"], c["mode"])
                heed_rounds.setdefault(key, []).append(c["median_ms"])
            for f in frameworks:
                if r > 0 and f not in framework_rounds:
                    continue
                result = run_worker("attention", f)
                if result is None:
                    print(f"{FRAMEWORK_NAMES[f]}: not installed (skipped)")
                    continue
                if r == 0:
                    print(f"{FRAMEWORK_NAMES[f]}: version {result['version']}")
                for key, ms in result["cases"].items():
                    framework_rounds.setdefault(f, {}).setdefault(key, []).append(ms)
        heed_by_case = {key: statistics.median(v) for key, v in heed_rounds.items()}
        results = {f: {key: statistics.median(v) for key, v in cases.items()} for f, cases in framework_rounds.items()}
        print(f"\nattention (Keras dot scores, scale 1/sqrt(D)), median ms over {rounds} alternating round(s);"
              " ratio = fastest framework / Heed")
        header = ["B,T,D", "mask", "mode", "Heed"] + [FRAMEWORK_NAMES[f] for f in frameworks] + ["fastest / Heed"]
        print(" | ".join(header))
        for (b, t, d, causal, mode) in attention_cases():
            key = f"{b},{t},{d},{causal},{mode}"
            row = {f: results[f][key] for f in frameworks if f in results}
            h = heed_by_case.get((b, t, d, causal, True, mode))
            fastest = min(row.values()) if row else None
            cells = [f"{b},{t},{d}", "causal" if causal else "full", mode, f"{h:.2f}" if h else "-"] + \
                    [f"{row[f]:.2f}" if f in row else "-" for f in frameworks] + \
                    [f"{fastest / h:.2f}x" if (h and fastest) else "-"]
            print(" | ".join(cells), flush=True)

    if not ARGS.skip_train:
        frameworks = [f for f in ("tf_keras", "keras3", "torch_train") if wanted(f.replace("_train", ""))]
        # Rounds alternate Heed and every framework, each in a fresh process, so that machine
        # load hits them alike; each figure is the median over all rounds' steps.
        samples = {name: [] for name in ["heed"] + frameworks}
        versions = {}
        per_round = max(5, ARGS.steps // ARGS.rounds)
        for _ in range(ARGS.rounds):
            heed = heed_json(ARGS.heed_train if ARGS.rounds == 1 else None, "bench-train",
                             ["--model", "attention", "--steps", str(per_round), "--warmup", "3"])
            if heed:
                samples["heed"] += next(c for c in heed if c["model"] == "attention")["times_ms"]
            for f in frameworks:
                r = run_worker("train", f, per_round)
                if r:
                    samples[f] += r["times_ms"]
                    versions[f] = r["version"]
        print("\ntraining step (Embedding 10,000x128 -> Attention([x, x]) -> GAP -> Dense(2) softmax, "
              "sparse CE, Adam; batch 32, length 200), "
              f"{ARGS.rounds} alternating rounds of {per_round} steps")
        print("framework | median ms | p10 ms | p90 ms | framework / Heed")
        heed_ms = statistics.median(samples["heed"]) if samples["heed"] else None
        for name, times in samples.items():
            label = "Heed bench-train" if name == "heed" else f"{FRAMEWORK_NAMES[name]} ({versions.get(name, 'not installed')})"
            if not times:
                print(f"{label} | - | - | - | -")
                continue
            r = summary(times)
            ratio = f"{r['median_ms'] / heed_ms:.2f}x" if heed_ms else "-"
            print(f"{label} | {r['median_ms']:.2f} | {r['p10_ms']:.2f} | {r['p90_ms']:.2f} | {ratio}", flush=True)

if __name__ == "__main__":
    main()
