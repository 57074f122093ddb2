#!/usr/bin/env python3
"""Writes the small seed corpora committed under fuzz/corpus/<target>/.

Run from anywhere with Debian's python3 (standard library only): python3 fuzz/make_seeds.py
The seeds are made here from scratch (safetensors, TF tensor bundle, torch-style zip+pickle,
configs, vocabs, texts) so that none of them copies a third-party file.
"""
import json
import os
import struct
import zipfile
import io

ROOT = os.path.dirname(os.path.abspath(__file__))


def out(target, name, data):
    d = os.path.join(ROOT, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# ---- safetensors ----
def safetensors(tensors, metadata=None, pad_to=8):
    header, blob = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % pad_to)
    return struct.pack("<Q", len(h)) + h + blob


def f32(*v):
    return struct.pack("<%df" % len(v), *v)


out("safetensors_fuzzer", "f32", safetensors({"a": ("F32", [2, 2], f32(1, 2, 3, 4)), "b": ("F32", [1], f32(5))},
                                             {"format": "pt"}))
out("safetensors_fuzzer", "f16_bf16", safetensors({"h": ("F16", [3], struct.pack("<3e", 1.0, -2.0, 65504.0)),
                                                   "b": ("BF16", [2], b"\x80\x3f\x00\xc0")}))
out("safetensors_fuzzer", "ints", safetensors({"i": ("I32", [2, 1], struct.pack("<2i", 7, -1)),
                                               "l": ("I64", [1], struct.pack("<q", 2**40)),
                                               "u": ("U8", [0], b""), "z": ("F64", [1], struct.pack("<d", 0.5))}))
out("safetensors_fuzzer", "unaligned", safetensors({"a": ("F32", [1], f32(1.5))}, pad_to=1))
out("safetensors_fuzzer", "empty", safetensors({}))


# ---- TensorFlow tensor bundle: LevelDB table + data shard ----
def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def mask(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(n):
    b = bytearray()
    while True:
        if n < 0x80:
            b.append(n)
            return bytes(b)
        b.append((n & 0x7F) | 0x80)
        n >>= 7


def field(num, wire, payload):
    key = varint(num << 3 | wire)
    if wire == 0:
        return key + varint(payload)
    if wire == 2:
        return key + varint(len(payload)) + payload
    if wire == 5:
        return key + struct.pack("<I", payload)
    raise ValueError(wire)


def block(entries, restart_interval=2):
    body, restarts, prev = b"", [], b""
    for i, (key, value) in enumerate(entries):
        shared = 0
        if i % restart_interval == 0:
            restarts.append(len(body))
        else:
            while shared < min(len(key), len(prev)) and key[shared] == prev[shared]:
                shared += 1
        body += varint(shared) + varint(len(key) - shared) + varint(len(value)) + key[shared:] + value
        prev = key
    body += b"".join(struct.pack("<I", r) for r in restarts) + struct.pack("<I", len(restarts))
    return body


def table(entries):
    out_bytes = b""

    def append_block(contents):
        nonlocal out_bytes
        handle = varint(len(out_bytes)) + varint(len(contents))
        trailer = b"\x00" + struct.pack("<I", mask(crc32c(contents + b"\x00")))
        out_bytes += contents + trailer
        return handle

    data_handle = append_block(block(entries))
    meta_handle = append_block(block([]) if False else struct.pack("<I", 0) + struct.pack("<I", 1))
    index_handle = append_block(block([(entries[-1][0] + b"\xff", data_handle)]))
    footer = meta_handle + index_handle
    footer += b"\x00" * (40 - len(footer)) + struct.pack("<Q", 0xDB4775248B80FB57)
    return out_bytes + footer


def bundle(tensors, shard_dtype=1):
    """tensors: list of (name, dtype, shape, raw bytes). Returns (index, data)."""
    data, entries = b"", [(b"", field(1, 0, 1) + field(2, 0, 0) + field(3, 2, field(1, 0, 1)))]
    for name, dtype, shape, raw in sorted(tensors):
        shape_proto = b"".join(field(2, 2, field(1, 0, d)) for d in shape)
        entry = (field(1, 0, dtype) + field(2, 2, shape_proto) + field(4, 0, len(data)) + field(5, 0, len(raw))
                 + field(6, 5, mask(crc32c(raw))))
        entries.append((name.encode(), entry))
        data += raw
    return table(entries), data


def fuzz_input(index, data, repair=1):
    return bytes([repair]) + struct.pack("<I", len(index)) + index + data


idx, dat = bundle([("bert/embeddings/LayerNorm/gamma", 1, [4], f32(1, 1, 1, 1)),
                   ("bert/embeddings/LayerNorm/beta", 1, [4], f32(0, 0, 0, 0)),
                   ("bert/encoder/layer_0/attention/self/query/kernel", 1, [2, 2], f32(1, 2, 3, 4)),
                   ("bert/pooler/dense/bias", 19, [2], struct.pack("<2e", 1.0, 2.0)),
                   ("bert/pooler/dense/kernel", 14, [1, 2], b"\x80\x3f\x00\xc0"),
                   ("global_step", 9, [], struct.pack("<q", 10)),
                   ("bert/embeddings/word_embeddings/adam_m", 1, [1], f32(0))])
out("tf_checkpoint_fuzzer", "small_bundle", fuzz_input(idx, dat))
out("tf_checkpoint_fuzzer", "small_bundle_norepair", fuzz_input(idx, dat, repair=0))
idx, dat = bundle([("w", 1, [], f32(3))])
out("tf_checkpoint_fuzzer", "scalar", fuzz_input(idx, dat))


# ---- PyTorch .bin: zip of archive/data.pkl + archive/data/<key> (what torch.save writes) ----
def torch_pickle(tensors):
    """tensors: list of (name, storage_type, key, numel, offset, shape). Pickle protocol 2 by hand."""
    p = bytearray(b"\x80\x02")
    p += b"ccollections\nOrderedDict\nq\x00)Rq\x01("
    for name, storage, key, numel, offset, shape in tensors:
        nb = name.encode()
        p += b"X" + struct.pack("<I", len(nb)) + nb
        p += b"ctorch._utils\n_rebuild_tensor_v2\nq\x02("
        p += b"(X\x07\x00\x00\x00storage" + b"ctorch\n" + storage.encode() + b"\nq\x03"
        p += b"X" + struct.pack("<I", len(key)) + key.encode() + b"X\x03\x00\x00\x00cpu" + b"J" + struct.pack("<i", numel)
        p += b"tQ"  # TUPLE, BINPERSID
        p += b"J" + struct.pack("<i", offset)
        p += b"(" + b"".join(b"J" + struct.pack("<i", d) for d in shape) + b"t"
        strides, s = [], 1
        for d in reversed(shape):
            strides.insert(0, s)
            s *= d
        p += b"(" + b"".join(b"J" + struct.pack("<i", d) for d in strides) + b"t"
        p += b"\x89" + b"ccollections\nOrderedDict\nq\x04)R" + b"tR"  # requires_grad False, hooks
    p += b"u."  # SETITEMS, STOP
    return bytes(p)


def torch_zip(tensors, storages):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", torch_pickle(tensors))
        for key, raw in storages.items():
            z.writestr("archive/data/" + key, raw)
        z.writestr("archive/version", "3\n")
    return buf.getvalue()


out("pytorch_bin_fuzzer", "two_tensors", torch_zip(
    [("bert.embeddings.LayerNorm.weight", "FloatStorage", "0", 4, 0, [4]),
     ("bert.pooler.dense.weight", "FloatStorage", "1", 6, 2, [2, 2])],
    {"0": f32(1, 2, 3, 4), "1": f32(0, 0, 5, 6, 7, 8)}))
out("pytorch_bin_fuzzer", "half", torch_zip([("w", "HalfStorage", "0", 2, 0, [2])], {"0": struct.pack("<2e", 1, 2)}))

# ---- config.json ----
base = {"vocab_size": 30522, "hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4,
        "intermediate_size": 1024, "hidden_act": "gelu", "max_position_embeddings": 512, "type_vocab_size": 2,
        "layer_norm_eps": 1e-12, "position_embedding_type": "absolute", "model_type": "bert"}
out("config_fuzzer", "hf_config.json", json.dumps(base, indent=2))
google = {k: v for k, v in base.items() if k not in ("layer_norm_eps", "position_embedding_type", "model_type")}
google["hidden_act"] = "gelu_new"
out("config_fuzzer", "bert_config.json", json.dumps(google))
out("config_fuzzer", "nulls.json", json.dumps(dict(base, layer_norm_eps=None, hidden_act=None, type_vocab_size=None)))

# ---- vocab.txt ----
out("vocab_fuzzer", "small.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\n##s\nhello\n")
out("vocab_fuzzer", "crlf_dup.txt", "[UNK]\r\na\r\na\r\n\r\n##\n")
out("vocab_fuzzer", "no_final_newline.txt", "x\n[UNK]")

# ---- tokenizer: byte 0 flags, byte 1 max_length, byte 2 pair split ----
texts = ["Hello, world! I love data science.", "Ünïcödé naïve café — ½ 東京 𝒳 \u200f\u202eabc",
         "don't stop-believing... 1,000.50 $5 #tag @user", "\x00\x01 \t\n\r\xa0 tab",
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
for i, t in enumerate(texts):
    out("tokenizer_fuzzer", "text%d" % i, bytes([i % 16, 8 + i, 128]) + t.encode())
out("tokenizer_fuzzer", "invalid_utf8", bytes([2, 6, 100]) + b"ab\xed\xa0\x80cd\xff\xfe\xc3(\xe2\x82 z\xf4\x90\x80\x80")
