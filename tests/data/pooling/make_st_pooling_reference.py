#!/usr/bin/env python3
"""sentence-transformers' Pooling math in numpy on Hugging Face's hidden states
(../reference/mini_reference_public.safetensors, last layer), for the pooling modes the shared
ST folders do not cover. Independent of bertcpp: it reads only the reference file.

ST 3.x Pooling.forward: cls = row 0; max over tokens with masked ones at -1e9;
mean = sum(h*m) / clamp(sum(m), 1e-9); mean_sqrt_len = sum(h*m) / sqrt(sum(m));
weightedmean: weights arange(1, seq_len + 1) times the mask; lasttoken: the last token whose
mask is 1. Several modes concatenate in the order cls, max, mean, mean_sqrt_len, weightedmean,
lasttoken. include_prompt=False sets the mask of the first prompt_length tokens to 0, where
prompt_length = len(tokenize(prompt)) - 1 ([CLS] and the prompt's tokens).

Run: /usr/bin/python3 make_st_pooling_reference.py  (writes st_pooling_reference.safetensors)
"""
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {"F32": np.float32, "I32": np.int32, "I64": np.int64}
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        out[name] = np.frombuffer(data[b:end], dtype=dtypes[e["dtype"]]).reshape(e["shape"])
    return out, header.get("__metadata__", {})


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, a in tensors.items():
        a = np.ascontiguousarray(a, dtype=np.float32)
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def pool(h, mask, mode):
    h = h.astype(np.float64)
    m = mask.astype(np.float64)[:, :, None]
    if mode == "cls":
        return h[:, 0]
    if mode == "max":
        return np.where(m > 0, h, -1e9).max(axis=1)
    s, count = (h * m).sum(axis=1), m.sum(axis=1)
    if mode == "mean":
        return s / np.maximum(count, 1e-9)
    if mode == "mean_sqrt_len":
        return s / np.sqrt(count)
    if mode == "weightedmean":
        w = np.arange(1, h.shape[1] + 1, dtype=np.float64)[None, :, None] * m
        return (h * w).sum(axis=1) / np.maximum(w.sum(axis=1), 1e-9)
    if mode == "lasttoken":
        last = mask.shape[1] - 1 - np.argmax(mask[:, ::-1], axis=1)
        return h[np.arange(h.shape[0]), last]
    raise ValueError(mode)


def main():
    ref, meta = read_safetensors(os.path.join(HERE, "..", "reference", "mini_reference_public.safetensors"))
    texts = json.loads(meta["json"])["texts"]
    last = ref["hidden_states"][-1]  # [20, 73, 256]
    mask = ref["attention_mask"]
    out = {m: pool(last, mask, m) for m in ("mean_sqrt_len", "weightedmean", "lasttoken")}
    out["all_modes"] = np.concatenate(
        [pool(last, mask, m) for m in ("cls", "max", "mean", "mean_sqrt_len", "weightedmean", "lasttoken")], axis=1)
    # include_prompt = False: texts 0 and 1 both begin "I love ", taken as the prompt; its
    # tokens ([CLS] i love) leave the mask.
    prompt = "I love "
    assert texts[0].startswith(prompt) and texts[1].startswith(prompt)
    prompt_length = 3
    excl = mask[:2].copy()
    excl[:, :prompt_length] = 0
    out["mean_excluding_prompt"] = pool(last[:2], excl, "mean")
    out["weightedmean_excluding_prompt"] = pool(last[:2], excl, "weightedmean")
    info = {"texts": texts, "prompt": prompt, "prompt_texts": [t[len(prompt):] for t in texts[:2]],
            "prompt_length": prompt_length, "layer": "last (hidden_states[4])"}
    write_safetensors(os.path.join(HERE, "st_pooling_reference.safetensors"), out, {"json": json.dumps(info)})


if __name__ == "__main__":
    main()
