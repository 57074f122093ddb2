#!/usr/bin/python3
"""Write tests/data/loaders/: one tiny BertForPreTraining-like state dict in every format the
loaders read, so the tests can prove .bin == safetensors F32 == sharded, and F16/BF16 == the
same values rounded.

Dev-time tool: needs Debian's python3-torch (apt-get install python3-torch) and is run with
/usr/bin/python3. The tests only read the files it writes; they never need torch.

safetensors is written by hand (8-byte little-endian header length, JSON header padded with
spaces to 8 bytes, data back to back) because the safetensors package is not installed here.
"""
import json
import os
import struct
import sys
from collections import OrderedDict

import torch
import zipfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "loaders")

CONFIG = {
    "architectures": ["BertForPreTraining"],
    "model_type": "bert",
    "vocab_size": 20,
    "hidden_size": 8,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 16,
    "hidden_act": "gelu",
    "max_position_embeddings": 16,
    "type_vocab_size": 2,
    "layer_norm_eps": 1e-12,
}


def state_dict():
    """HF BertForPreTraining names and shapes ([out, in] Linear weights), random values."""
    g = torch.Generator().manual_seed(20261126)
    V, H, I, P, T = (CONFIG[k] for k in ("vocab_size", "hidden_size", "intermediate_size",
                                         "max_position_embeddings", "type_vocab_size"))
    shapes = OrderedDict()
    shapes["bert.embeddings.word_embeddings.weight"] = [V, H]
    shapes["bert.embeddings.position_embeddings.weight"] = [P, H]
    shapes["bert.embeddings.token_type_embeddings.weight"] = [T, H]
    shapes["bert.embeddings.LayerNorm.weight"] = [H]
    shapes["bert.embeddings.LayerNorm.bias"] = [H]
    for l in range(CONFIG["num_hidden_layers"]):
        p = f"bert.encoder.layer.{l}."
        for m in ("query", "key", "value"):
            shapes[p + f"attention.self.{m}.weight"] = [H, H]
            shapes[p + f"attention.self.{m}.bias"] = [H]
        shapes[p + "attention.output.dense.weight"] = [H, H]
        shapes[p + "attention.output.dense.bias"] = [H]
        shapes[p + "attention.output.LayerNorm.weight"] = [H]
        shapes[p + "attention.output.LayerNorm.bias"] = [H]
        shapes[p + "intermediate.dense.weight"] = [I, H]
        shapes[p + "intermediate.dense.bias"] = [I]
        shapes[p + "output.dense.weight"] = [H, I]
        shapes[p + "output.dense.bias"] = [H]
        shapes[p + "output.LayerNorm.weight"] = [H]
        shapes[p + "output.LayerNorm.bias"] = [H]
    shapes["bert.pooler.dense.weight"] = [H, H]
    shapes["bert.pooler.dense.bias"] = [H]
    shapes["cls.predictions.transform.dense.weight"] = [H, H]
    shapes["cls.predictions.transform.dense.bias"] = [H]
    shapes["cls.predictions.transform.LayerNorm.weight"] = [H]
    shapes["cls.predictions.transform.LayerNorm.bias"] = [H]
    shapes["cls.predictions.bias"] = [V]
    shapes["cls.seq_relationship.weight"] = [2, H]
    shapes["cls.seq_relationship.bias"] = [2]
    sd = OrderedDict()
    for name, shape in shapes.items():
        # Wide range (x 4) plus a few tiny values, so F16 rounding and subnormals are exercised.
        sd[name] = torch.randn(*shape, generator=g) * 4
    sd["bert.embeddings.LayerNorm.bias"][0] = 3e-6   # an F16 subnormal
    sd["bert.embeddings.LayerNorm.bias"][1] = -1e-8  # flushes to -0 in F16
    return sd


def write_safetensors(path, tensors, metadata=None):
    names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.contiguous()
        # bf16 has no numpy dtype: go through its int16 bit pattern.
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    os.makedirs(OUT, exist_ok=True)
    sd = state_dict()
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")

    # pytorch_model.bin as transformers saves it: tied decoder weight/bias share storage with the
    # word embeddings / cls.predictions.bias, and the old int64 position_ids buffer is present.
    bin_sd = OrderedDict(sd)
    bin_sd["bert.embeddings.position_ids"] = torch.arange(CONFIG["max_position_embeddings"]).unsqueeze(0)
    bin_sd["cls.predictions.decoder.weight"] = sd["bert.embeddings.word_embeddings.weight"]
    bin_sd["cls.predictions.decoder.bias"] = sd["cls.predictions.bias"]
    # Module.state_dict() carries per-module versions; pickled as BUILD state after the dict.
    bin_sd._metadata = OrderedDict([("", {"version": 1}), ("bert", {"version": 1}), ("cls", {"version": 1})])
    torch.save(bin_sd, os.path.join(OUT, "pytorch_model.bin"))

    # Views: a transposed (non-contiguous) tensor and a slice at a storage offset.
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    views = OrderedDict()
    views["transposed"] = base.t()         # [6, 4], strides (1, 6)
    views["sliced"] = base[1:3, 2:5]       # [2, 3], offset 8, strides (6, 1)
    views["row"] = base[2]                 # [6], offset 12, contiguous
    views["half"] = base.half()[3]         # HalfStorage
    views["bfloat16"] = base.bfloat16()[:, 1]  # BFloat16Storage, stride 6
    torch.save(views, os.path.join(OUT, "views.bin"))
    with open(os.path.join(OUT, "views_expected.json"), "w") as f:
        json.dump({k: {"shape": list(v.shape), "values": v.float().flatten().tolist()} for k, v in views.items()}, f)
        f.write("\n")

    # The same archive deflated: torch.save never compresses, so the loader must say so, not misread it.
    with zipfile.ZipFile(os.path.join(OUT, "views.bin")) as src, \
            zipfile.ZipFile(os.path.join(OUT, "views_deflated.bin"), "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))

    # Half-precision .bin: HalfStorage / BFloat16Storage.
    torch.save(OrderedDict((k, v.half()) for k, v in sd.items()), os.path.join(OUT, "pytorch_model_f16.bin"))

    write_safetensors(os.path.join(OUT, "model.safetensors"), sd, {"format": "pt"})
    write_safetensors(os.path.join(OUT, "model_f16.safetensors"), OrderedDict((k, v.half()) for k, v in sd.items()),
                      {"format": "pt"})
    write_safetensors(os.path.join(OUT, "model_bf16.safetensors"),
                      OrderedDict((k, v.bfloat16()) for k, v in sd.items()), {"format": "pt"})

    # Two shards split by name order, as transformers' save_pretrained(max_shard_size=...) does.
    names = list(sd)
    first, second = names[: len(names) // 2], names[len(names) // 2:]
    weight_map = {}
    for i, part in enumerate((first, second), start=1):
        shard = f"model-{i:05d}-of-00002.safetensors"
        write_safetensors(os.path.join(OUT, shard), OrderedDict((k, sd[k]) for k in part), {"format": "pt"})
        weight_map.update({k: shard for k in part})
    total = sum(t.numel() * 4 for t in sd.values())
    with open(os.path.join(OUT, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
        f.write("\n")
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
