"""Reading an ncnn .bin weight file in layer order, for the Python checkers
(scripts/ncnn_reference.py here, scripts/device/torch_srvgg.py on the GPU machine)."""

import numpy as np

FP16_TAG = 0x01306B47  # ncnn's tag of a float16 array


class NcnnWeights:
    def __init__(self, data):
        self.data, self.pos = data, 0

    @classmethod
    def open(cls, path):
        with open(path, "rb") as f:
            return cls(f.read())

    def f32(self, n):
        """n float32 values without a tag (biases, slopes)."""
        v = np.frombuffer(self.data, np.float32, n, self.pos).copy()
        self.pos += 4 * n
        return v

    def tagged(self, n):
        """ncnn's load(w, 0): a 4-byte tag, then the array (float16 padded to 4 bytes, or float32)."""
        tag = int(np.frombuffer(self.data, np.uint32, 1, self.pos)[0])
        self.pos += 4
        if tag == FP16_TAG:
            v = np.frombuffer(self.data, np.float16, n, self.pos).astype(np.float32)
            self.pos += (2 * n + 3) // 4 * 4
            return v
        if tag == 0:
            return self.f32(n)
        raise ValueError("weight tag 0x%08x (quantised) is not handled" % tag)
