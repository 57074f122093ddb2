#!/usr/bin/python3
"""Writes a BERT-base-size model directory with seeded random F32 weights (config.json,
vocab.txt copied from the bundled model, model.safetensors in Hugging Face naming), to time
loading and measure memory on a real file without a download:

    /usr/bin/python3 bench/make_random_model_dir.py /tmp/bert-base-random
    /usr/bin/time -v build/bench/bertcpp_bench --model-dir /tmp/bert-base-random --no-torch --no-e2e
"""
import json
import shutil
import struct
import sys
from pathlib import Path

import numpy as np

H, LAYERS, HEADS, INTERMEDIATE, VOCAB, POSITIONS = 768, 12, 12, 3072, 30522, 512


def tensors(rng):
    def normal(*shape):
        return rng.normal(0.0, 0.02, size=shape).astype(np.float32)

    yield "bert.embeddings.word_embeddings.weight", normal(VOCAB, H)
    yield "bert.embeddings.position_embeddings.weight", normal(POSITIONS, H)
    yield "bert.embeddings.token_type_embeddings.weight", normal(2, H)
    yield "bert.embeddings.LayerNorm.weight", np.ones(H, np.float32)
    yield "bert.embeddings.LayerNorm.bias", np.zeros(H, np.float32)
    for i in range(LAYERS):
        p = f"bert.encoder.layer.{i}."
        dense = {"attention.self.query": (H, H), "attention.self.key": (H, H), "attention.self.value": (H, H),
                 "attention.output.dense": (H, H), "intermediate.dense": (INTERMEDIATE, H),
                 "output.dense": (H, INTERMEDIATE)}
        for name, (out, inp) in dense.items():
            yield p + name + ".weight", normal(out, inp)
            yield p + name + ".bias", normal(out)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            yield p + norm + ".weight", np.ones(H, np.float32)
            yield p + norm + ".bias", np.zeros(H, np.float32)
    yield "bert.pooler.dense.weight", normal(H, H)
    yield "bert.pooler.dense.bias", normal(H)


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/bert-base-random")
    out.mkdir(parents=True, exist_ok=True)
    bundled = Path(__file__).resolve().parent.parent / "models" / "bert-mini-uncased"
    shutil.copy(bundled / "vocab.txt", out / "vocab.txt")
    config = {"model_type": "bert", "architectures": ["BertModel"], "vocab_size": VOCAB, "hidden_size": H,
              "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "intermediate_size": INTERMEDIATE,
              "hidden_act": "gelu", "max_position_embeddings": POSITIONS, "type_vocab_size": 2,
              "layer_norm_eps": 1e-12}
    (out / "config.json").write_text(json.dumps(config, indent=2))

    arrays = list(tensors(np.random.default_rng(42)))
    header, offset = {}, 0
    for name, a in arrays:
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    header_bytes = json.dumps(header).encode()
    header_bytes += b" " * (-len(header_bytes) % 8)  # keeps the data 8-byte aligned, as the format advises
    with open(out / "model.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for _, a in arrays:
            f.write(a.tobytes())
    print(f"wrote {out} ({offset / 1e6:.0f} MB of weights)")


if __name__ == "__main__":
    main()
