"""tf.keras reference for Heed's IMDb text classifier: same data, cleaning, vocabulary and recipe.

Embedding(10000, 64) -> Attention()([x, x]) -> GlobalAveragePooling1D -> Dense(2, softmax)
(with --model transformer: Heed's TransformerClassifier, one encoder block, padding masked),
sparse categorical cross-entropy, Adam(1e-3), batch 32, max length 200, 3 epochs, trained on the
official train rows (1-25,000) and evaluated on the test rows (25,001-50,000). Prints the test
accuracy and the seconds of each epoch. With --validation every epoch also evaluates the test rows,
inside the epoch's time, as `heed train --test-rows` does.

Importable: serve_keras.py reuses its cleaning, vocabulary and text model.
Not part of the build. Usage: python keras_imdb.py [path/to/IMDB_Dataset.csv] [--threads N] [--validation]
"""
import argparse
import csv
import os
import re
import sys
import time
from collections import Counter

DEFAULT_DATA = os.path.join(os.path.dirname(__file__), "../../../shared/datasets/imdb/IMDB_Dataset.csv")
VOCAB, MAXLEN, EMBED = 10000, 200, 64
TAG = re.compile(r"<[^>]*>")


def clean(text):
    text = TAG.sub(" ", text)
    text = "".join(c if c.isalpha() else " " for c in text)
    return text.lower().split()


def read_rows(path):
    """The CSV's rows as dicts; the first 25,000 are the official train split, the rest the test split."""
    csv.field_size_limit(sys.maxsize)
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def build_index(train_tokens):
    """Word -> id as heed builds it: 0 padding, 1 unknown, then by count (ties: first seen), VOCAB ids in all."""
    counts = Counter()
    first = {}
    for toks in train_tokens:
        for t in toks:
            if t not in first:
                first[t] = len(first)
            counts[t] += 1
    ordered = sorted(counts, key=lambda t: (-counts[t], first[t]))[: VOCAB - 2]
    return {t: i + 2 for i, t in enumerate(ordered)}


def encode(toks, index):
    ids = [index.get(t, 1) for t in toks][:MAXLEN]
    return ids + [0] * (MAXLEN - len(ids))


def build_text_model(keras, classes):
    """Embedding(VOCAB, EMBED) -> Attention()([x, x]) -> GlobalAveragePooling1D -> Dense(classes, softmax)."""
    inputs = keras.Input(shape=(MAXLEN,), dtype="int32")
    x = keras.layers.Embedding(VOCAB, EMBED)(inputs)
    x = keras.layers.Attention()([x, x])
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="?", default=DEFAULT_DATA)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--model", choices=["text", "transformer"], default="text")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--validation", action="store_true", help="evaluate the test rows after every epoch, as heed train does")
    args = parser.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf
    import tf_keras as keras

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    keras.utils.set_random_seed(args.seed)

    rows = read_rows(args.data)
    train_rows, test_rows = rows[:25000], rows[25000:]
    train_tokens = [clean(r["review"]) for r in train_rows]
    test_tokens = [clean(r["review"]) for r in test_rows]
    index = build_index(train_tokens)

    labels = sorted({r["sentiment"] for r in rows})
    x_train = np.array([encode(t, index) for t in train_tokens], dtype=np.int32)
    x_test = np.array([encode(t, index) for t in test_tokens], dtype=np.int32)
    y_train = np.array([labels.index(r["sentiment"]) for r in train_rows], dtype=np.int32)
    y_test = np.array([labels.index(r["sentiment"]) for r in test_rows], dtype=np.int32)

    if args.model == "text":
        model = build_text_model(keras, len(labels))
    else:
        model = build_transformer_model(np, tf, keras, len(labels))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            print(f"epoch {epoch + 1}: {time.perf_counter() - self.start:.2f} s", flush=True)

    model.fit(x_train, y_train, batch_size=32, epochs=args.epochs, shuffle=True, callbacks=[Timer()], verbose=2,
              validation_data=(x_test, y_test) if args.validation else None)
    loss, acc = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    print(f"tf.keras {tf.__version__} {args.model}: test accuracy {acc:.4f}, loss {loss:.4f}")


def build_transformer_model(np, tf, keras, classes):
    """Heed's TransformerClassifier: padding (id 0) hidden from the attention and the pooling,
    the embeddings added to the sinusoidal positions unscaled, one post-norm encoder block.
    The masks are passed explicitly: the `+ pe` below would not carry an Embedding's mask."""
    inputs = keras.Input(shape=(MAXLEN,), dtype="int32")
    x = keras.layers.Embedding(VOCAB, EMBED)(inputs)
    positions = np.arange(MAXLEN)[:, None]
    dims = np.arange(EMBED)[None, :]
    angle = positions / np.power(10000.0, (2 * (dims // 2)) / EMBED)
    pe = np.where(dims % 2 == 0, np.sin(angle), np.cos(angle)).astype("float32")
    mask = keras.layers.Lambda(lambda ids: tf.not_equal(ids, 0))(inputs)
    pairs = keras.layers.Lambda(lambda m: tf.logical_and(m[:, :, None], m[:, None, :]))(mask)
    x = x + pe
    a = keras.layers.MultiHeadAttention(num_heads=2, key_dim=32)(x, x, attention_mask=pairs)
    x = keras.layers.LayerNormalization()(x + keras.layers.Dropout(0.1)(a))
    f = keras.layers.Dense(128, activation="relu")(x)
    f = keras.layers.Dense(64)(f)
    x = keras.layers.LayerNormalization()(x + keras.layers.Dropout(0.1)(f))
    x = keras.layers.GlobalAveragePooling1D()(x, mask=mask)
    outputs = keras.layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


if __name__ == "__main__":
    main()
