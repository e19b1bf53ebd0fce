"""Keras' weight moving average (Adam with use_ema=True), the reference of Heed's
OptimizerTests.testEMAMatchesKeras: three Adam steps on two float32 weights, printing the
weights and their averages after each step and the weights after finalize_variable_values."""
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402
import numpy as np  # noqa: E402

w = keras.Variable(np.array([1.0, -2.0], dtype="float32"))
opt = keras.optimizers.Adam(learning_rate=0.1, use_ema=True, ema_momentum=0.9)
for g in ([0.5, -1.0], [-0.25, 0.75], [1.0, 0.5]):
    opt.apply_gradients([(keras.ops.convert_to_tensor(np.array(g, dtype="float32")), w)])
    average = opt._model_variables_moving_average[0]
    print("weights", repr(np.asarray(w.value).tolist()), "average", repr(np.asarray(average.value).tolist()))
opt.finalize_variable_values([w])
print("finalized", repr(np.asarray(w.value).tolist()), "keras", keras.__version__)
