"""A tiny stand-in for DeepMind's dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz, written by NumPy
the way theirs is (np.savez_compressed: imgs uint8 [N, 64, 64] of 0/1, latents_classes int64 [N, 6],
latents_values float64 [N, 6], metadata a pickled dict). Image i has pixel (i, 2i) on and nothing else.

    python3 Fixtures/shapes/make_npz.py   # writes tiny.npz here
"""
import os
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
classes = np.array([[0, 0, 0, 0, 0, 0],
                    [0, 1, 5, 39, 31, 0],
                    [0, 2, 3, 10, 7, 31]], dtype=np.int64)
imgs = np.zeros((3, 64, 64), dtype=np.uint8)
for i in range(3):
    imgs[i, i, 2 * i] = 1
values = classes.astype(np.float64)
np.savez_compressed(os.path.join(here, "tiny.npz"), imgs=imgs, latents_classes=classes,
                    latents_values=values, metadata=np.array({"description": "tiny fixture"}, dtype=object))
