"""Writes keras.onnx and keras-probabilities.npy: a Keras MLP trained on real MNIST digits,
exported by tf2onnx, and TensorFlow's own probabilities for the first 1,000 digits of
../shared/data/mnist-train-prefix. TensorFlow is far too large for the test extra, so the test
reads what the real exporter wrote. Regenerate (in a separate environment):

    pip install tensorflow-cpu tf2onnx && python tests/data/tf2onnx/make.py
"""

import gzip
from pathlib import Path

import numpy as np
import tensorflow as tf
import tf2onnx

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2].parent / "shared" / "data" / "mnist-train-prefix"

images = gzip.open(DATA / "train-images-idx3-ubyte.gz").read()
x = np.frombuffer(images, np.uint8, offset=16).reshape(-1, 28, 28)[:3000].astype(np.float32) / 255
labels = np.frombuffer(gzip.open(DATA / "train-labels-idx1-ubyte.gz").read(), np.uint8, offset=8)
tf.keras.utils.set_random_seed(0)
model = tf.keras.Sequential([tf.keras.Input((28, 28)), tf.keras.layers.Flatten(),
                             tf.keras.layers.Dense(16, activation="tanh"),
                             tf.keras.layers.Dense(16, activation="tanh"),
                             tf.keras.layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(x, labels[:3000], epochs=2, verbose=0)
# tf2onnx's from_keras does not follow Keras 3's graphs; a tf.function of the model converts.
signature = (tf.TensorSpec((None, 28, 28), tf.float32, name="input"),)
tf2onnx.convert.from_function(tf.function(lambda t: model(t)), input_signature=signature,
                              output_path=str(HERE / "keras.onnx"))
np.save(HERE / "keras-probabilities.npy", model(x[:1000]).numpy())
