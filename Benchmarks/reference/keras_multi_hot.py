"""Keras' multi-hot text encoding (TextVectorization(output_mode="multi_hot", ngrams=3)) with a
fixed vocabulary, the reference of Heed's TextDatasetTests.testDistinctTokensMatchKerasMultiHot:
prints, for each text, the indices that are set. Keras' index 0 is the unknown token and index
k ≥ 1 the vocabulary's k-th entry; Heed's ids are one higher (0 is padding)."""
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402
import numpy as np  # noqa: E402

vocabulary = ["good", "film", "not", "not good", "good film", "a good film", "bad", "2", "bad bad", "at all"]
texts = ["A good film, a GOOD film!", "not good, not good at all", "bad bad film 2 2 10", "nothing known here"]
layer = keras.layers.TextVectorization(output_mode="multi_hot", ngrams=3, vocabulary=vocabulary)
for text, row in zip(texts, np.asarray(layer(texts))):
    print(repr(text), [i for i, v in enumerate(row) if v])
print("keras", keras.__version__)
