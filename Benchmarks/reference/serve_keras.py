"""tf.keras behind FastAPI + uvicorn: the usual Python way to serve Heed's IMDb text classifier.

The model is keras_imdb.py's text model (Embedding(10000, 64) -> Attention()([x, x]) ->
GlobalAveragePooling1D -> Dense(2, softmax), input length 200) with its cleaning and vocabulary,
trained with the `make demo` recipe (Adam 1e-3, batch 32, train rows 1-25,000) for --epochs epochs
(default 3, about 20 s on two cores) unless --model-dir already holds weights.npz and
vocabulary.json from an earlier run. The route and JSON match `heed serve`'s V1 route:

    POST /v1/models/imdb:predict  {"instances": ["text", ...]}
      -> {"predictions": [{"label": "positive", "probabilities": {"negative": p, "positive": p}}]}

plus GET /v2/health/ready. uvicorn runs --workers processes (default: one per core), each with
--threads TensorFlow threads (default: cores / workers) and its own copy of the model; a request's
texts run as one batch through the model's call compiled once by tf.function for any batch size
(what a SavedModel signature serves), from FastAPI's thread pool (a plain `def` route).

Each worker prints 'worker PID ready' once its model is loaded and has run once; it accepts
connections only after that. Logs (uvicorn's at info, no access log) go to standard error.
Not part of the build. Usage: python serve_keras.py [--data CSV] [--model-dir DIR] [--port 8081]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras_imdb  # noqa: E402

MODEL_DIR_VARIABLE = "SERVE_KERAS_MODEL_DIR"
THREADS_VARIABLE = "SERVE_KERAS_THREADS"
NAME_VARIABLE = "SERVE_KERAS_NAME"


def train(data, model_dir, epochs, seed, threads):
    """Trains the text model and writes weights.npz, vocabulary.json and labels.json into model_dir."""
    import numpy as np
    import tensorflow as tf
    import tf_keras as keras

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    keras.utils.set_random_seed(seed)
    rows = keras_imdb.read_rows(data)
    train_rows = rows[:25000]
    tokens = [keras_imdb.clean(r["review"]) for r in train_rows]
    index = keras_imdb.build_index(tokens)
    labels = sorted({r["sentiment"] for r in rows})
    x = np.array([keras_imdb.encode(t, index) for t in tokens], dtype=np.int32)
    y = np.array([labels.index(r["sentiment"]) for r in train_rows], dtype=np.int32)
    model = keras_imdb.build_text_model(keras, len(labels))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=32, epochs=epochs, shuffle=True, verbose=2)
    os.makedirs(model_dir, exist_ok=True)
    np.savez(os.path.join(model_dir, "weights.npz"), *model.get_weights())
    with open(os.path.join(model_dir, "vocabulary.json"), "w", encoding="utf-8") as f:
        json.dump(index, f)
    with open(os.path.join(model_dir, "labels.json"), "w", encoding="utf-8") as f:
        json.dump(labels, f)


def create_app():
    """The FastAPI app of one worker: loads the model folder named by SERVE_KERAS_MODEL_DIR."""
    import numpy as np
    import tensorflow as tf
    import tf_keras as keras
    from fastapi import FastAPI, HTTPException
    from pydantic import BaseModel

    threads = int(os.environ.get(THREADS_VARIABLE, "1"))
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    model_dir = os.environ[MODEL_DIR_VARIABLE]
    served_name = os.environ.get(NAME_VARIABLE, "imdb")
    with open(os.path.join(model_dir, "vocabulary.json"), encoding="utf-8") as f:
        index = json.load(f)
    with open(os.path.join(model_dir, "labels.json"), encoding="utf-8") as f:
        labels = json.load(f)
    model = keras_imdb.build_text_model(keras, len(labels))
    with np.load(os.path.join(model_dir, "weights.npz")) as weights:
        model.set_weights([weights[f"arr_{i}"] for i in range(len(weights.files))])
    probabilities = tf.function(
        lambda ids: model(ids, training=False),
        input_signature=[tf.TensorSpec([None, keras_imdb.MAXLEN], tf.int32)])
    probabilities(tf.zeros([1, keras_imdb.MAXLEN], tf.int32))
    print(f"worker {os.getpid()} ready", flush=True)

    class PredictRequest(BaseModel):
        instances: list[str]

    app = FastAPI()

    @app.get("/v2/health/ready")
    def ready():
        return {"ready": True}

    @app.post("/v1/models/{name}:predict")
    def predict(name: str, request: PredictRequest):
        if name != served_name:
            raise HTTPException(status_code=404, detail=f'model "{name}" is not served here')
        if not request.instances:
            raise HTTPException(status_code=400, detail='"instances" is empty')
        ids = np.array([keras_imdb.encode(keras_imdb.clean(t), index) for t in request.instances], dtype=np.int32)
        rows = probabilities(ids).numpy().tolist()
        return {"predictions": [
            {"label": labels[max(range(len(row)), key=row.__getitem__)],
             "probabilities": dict(zip(labels, row))}
            for row in rows]}

    return app


def main():
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=keras_imdb.DEFAULT_DATA)
    parser.add_argument("--model-dir", default="out/bench-serve-keras")
    parser.add_argument("--name", default="imdb", help="the model name in the URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--workers", type=int, default=cores, help="uvicorn worker processes (default: one per core)")
    parser.add_argument("--threads", type=int, help="TensorFlow threads per worker (default: cores / workers)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    threads = args.threads or max(1, cores // args.workers)

    if not os.path.exists(os.path.join(args.model_dir, "weights.npz")):
        print(f"training the tf.keras model ({args.epochs} epochs) into {args.model_dir}", file=sys.stderr, flush=True)
        train(args.data, args.model_dir, args.epochs, args.seed, cores)

    import uvicorn

    os.environ[MODEL_DIR_VARIABLE] = os.path.abspath(args.model_dir)
    os.environ[THREADS_VARIABLE] = str(threads)
    os.environ[NAME_VARIABLE] = args.name
    print(f"starting {args.workers} uvicorn workers on http://{args.host}:{args.port}, "
          f"{threads} TensorFlow threads each", file=sys.stderr, flush=True)
    # Loading TensorFlow can hold a worker's interpreter for longer than uvicorn's default 5 s
    # health check on a busy machine, which would then kill and restart the worker.
    uvicorn.run("serve_keras:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level="info", access_log=False, timeout_worker_healthcheck=120)

if __name__ == "__main__":
    main()
