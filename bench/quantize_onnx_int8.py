#!/usr/bin/python3
"""ONNX Runtime's int8 baseline: the benchmark's float32 ONNX BERT, dynamically quantized the way
onnxruntime.quantization.quantize_dynamic does it (that package is on PyPI only; this uses
Debian's python3-onnx). Every MatMul with a constant 2-D weight becomes

    DynamicQuantizeLinear(x) -> MatMulInteger(x_u8, W_s8, x_zero, 0) -> Cast -> Mul(x_scale * w_scale)

with symmetric int8 weights per output column, the pattern ONNX Runtime fuses into its
DynamicQuantizeMatMul (MLAS's u8s8 kernels, VNNI where the CPU has it). Attention's products
between activations stay float32, as in quantize_dynamic.

    /usr/bin/python3 bench/quantize_onnx_int8.py build/bench/bert-base-random.onnx build/bench/bert-base-random-int8.onnx
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def quantize(model):
    graph = model.graph
    weights = {t.name: t for t in graph.initializer}
    nodes, drop = [], set()
    count = 0
    for node in graph.node:
        w = weights.get(node.input[1]) if node.op_type == "MatMul" else None
        if w is None or len(w.dims) != 2 or w.data_type != TensorProto.FLOAT:
            nodes.append(node)
            continue
        values = numpy_helper.to_array(w)
        scale = np.maximum(np.abs(values).max(axis=0), 1e-12).astype(np.float32) / 127.0
        quantized = np.clip(np.rint(values / scale), -127, 127).astype(np.int8)
        p = "%s_q%d" % (node.input[1], count)
        count += 1
        graph.initializer.extend([
            numpy_helper.from_array(quantized, p + "_w"),
            numpy_helper.from_array(scale, p + "_w_scale"),
            numpy_helper.from_array(np.zeros(values.shape[1], np.int8), p + "_w_zero"),
        ])
        drop.add(node.input[1])
        x = node.input[0]
        nodes += [
            helper.make_node("DynamicQuantizeLinear", [x], [p + "_x", p + "_x_scale", p + "_x_zero"]),
            helper.make_node("MatMulInteger", [p + "_x", p + "_w", p + "_x_zero", p + "_w_zero"], [p + "_i32"]),
            helper.make_node("Mul", [p + "_x_scale", p + "_w_scale"], [p + "_scale"]),
            helper.make_node("Cast", [p + "_i32"], [p + "_f32"], to=TensorProto.FLOAT),
            helper.make_node("Mul", [p + "_f32", p + "_scale"], list(node.output)),
        ]
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [t for t in graph.initializer if t.name not in drop]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    return count


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: quantize_onnx_int8.py FLOAT32.onnx INT8.onnx")
    model = onnx.load(sys.argv[1])
    count = quantize(model)
    if count == 0:
        sys.exit("%s: no MatMul with a constant 2-D float32 weight to quantize" % sys.argv[1])
    onnx.save(model, sys.argv[2])
    print("quantized %d MatMul weights into %s" % (count, sys.argv[2]))


if __name__ == "__main__":
    main()
