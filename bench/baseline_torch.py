#!/usr/bin/python3
"""PyTorch baseline for bertcpp_bench: a BERT-base encoder written in plain torch (the same
operations as Hugging Face's BertModel in eval mode: separate Q/K/V linears, softmax
attention, exact-erf GELU, post-LayerNorm) with seeded random weights, timed on the same
shapes and thread counts as bertcpp. Prints machine-readable RESULT lines (bertcpp_bench
parses them) and a readable table.

Run with Debian's interpreter, which sees python3-torch:  /usr/bin/python3 bench/baseline_torch.py
"""
import argparse
import contextlib
import statistics
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # optional baseline: report and skip
    print(f"RESULT kind=skip reason=torch_not_importable:{type(e).__name__}")
    raise SystemExit(0)

try:  # Debian's torch runs its products on OpenBLAS, whose threads set_num_threads does not cap
    from threadpoolctl import threadpool_limits
except ImportError:
    threadpool_limits = None


@contextlib.contextmanager
def torch_threads(n):
    """torch on n threads, its fastest setting here: its own pool of n, OpenBLAS single-threaded
    under it (OpenBLAS's pool nested in torch's oversubscribes the cores: measured 305 vs 434
    tokens/s at 1x128 on 2 threads; uncapped, "1 thread" silently ran on 2 cores)."""
    torch.set_num_threads(n)
    with (threadpool_limits(limits=1) if threadpool_limits else contextlib.nullcontext()):
        yield


H, LAYERS, HEADS, INTERMEDIATE, VOCAB, POSITIONS = 768, 12, 12, 3072, 30522, 512


class Bert(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.word = torch.nn.Embedding(VOCAB, H)
        self.position = torch.nn.Embedding(POSITIONS, H)
        self.token_type = torch.nn.Embedding(2, H)
        self.embed_norm = torch.nn.LayerNorm(H, eps=1e-12)
        self.layers = torch.nn.ModuleList()
        for _ in range(LAYERS):
            layer = torch.nn.Module()
            layer.q = torch.nn.Linear(H, H)
            layer.k = torch.nn.Linear(H, H)
            layer.v = torch.nn.Linear(H, H)
            layer.o = torch.nn.Linear(H, H)
            layer.norm1 = torch.nn.LayerNorm(H, eps=1e-12)
            layer.up = torch.nn.Linear(H, INTERMEDIATE)
            layer.down = torch.nn.Linear(INTERMEDIATE, H)
            layer.norm2 = torch.nn.LayerNorm(H, eps=1e-12)
            self.layers.append(layer)
        for p in self.parameters():
            if p.dim() == 2:
                torch.nn.init.normal_(p, std=0.02)

    def forward(self, ids, type_ids, mask):
        b, s = ids.shape
        d = H // HEADS
        positions = torch.arange(s).unsqueeze(0)
        x = self.embed_norm(self.word(ids) + self.position(positions) + self.token_type(type_ids))
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min

        def split(t):
            return t.view(b, s, HEADS, d).transpose(1, 2)

        for L in self.layers:
            q, k, v = split(L.q(x)), split(L.k(x)), split(L.v(x))
            scores = torch.matmul(q, k.transpose(-1, -2)) / (d ** 0.5) + bias
            context = torch.matmul(scores.softmax(-1), v).transpose(1, 2).reshape(b, s, H)
            x = L.norm1(L.o(context) + x)
            x = L.norm2(L.down(F.gelu(L.up(x))) + x)
        return x


def median_seconds(fn, reps):
    fn()  # warm-up
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def export_onnx(model, path):
    """The same model for ONNX Runtime (bench/baseline_ort.mjs): torch.onnx.export traces it."""
    ids = torch.randint(1000, VOCAB, (2, 16))
    types, mask = torch.zeros_like(ids), torch.ones_like(ids)
    axes = {0: "batch", 1: "sequence"}
    torch.onnx.export(model, (ids, types, mask), path, input_names=["input_ids", "token_type_ids", "attention_mask"],
                      output_names=["last_hidden_state"], opset_version=14,
                      dynamic_axes={"input_ids": axes, "token_type_ids": axes, "attention_mask": axes,
                                    "last_hidden_state": axes})
    print(f"RESULT kind=exported path={path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shapes", default="1x128,8x128,32x32,1x512")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--export-onnx", metavar="PATH", help="write the model as ONNX (dynamic batch and length) and exit")
    args = parser.parse_args()

    print(f"RESULT kind=version version={torch.__version__}")
    torch.manual_seed(0)
    model = Bert().eval()
    if args.export_onnx:
        export_onnx(model, args.export_onnx)
        return
    shapes = [tuple(int(v) for v in s.split("x")) for s in args.shapes.split(",")]
    threads = [int(t) for t in args.threads.split(",")]
    rows = []
    with torch.inference_mode():
        for t in threads:
            with torch_threads(t):
                x, w = torch.randn(1024, 768), torch.randn(3072, 768)
                with (threadpool_limits(limits=t) if threadpool_limits else contextlib.nullcontext()):
                    seconds = median_seconds(lambda: F.linear(x, w), args.reps)  # the BLAS on t threads
                gflops = 2 * 1024 * 768 * 3072 / seconds / 1e9
                print(f"RESULT kind=gemm threads={t} gflops={gflops:.3f}", flush=True)
                for b, s in shapes:
                    ids = torch.randint(1000, VOCAB, (b, s))
                    types = torch.zeros(b, s, dtype=torch.long)
                    mask = torch.ones(b, s, dtype=torch.long)
                    seconds = median_seconds(lambda: model(ids, types, mask), args.reps)
                    print(f"RESULT kind=bert shape={b}x{s} threads={t} seconds={seconds:.6f}", flush=True)
                    rows.append((f"{b}x{s}", t, seconds * 1e3, b * s / seconds))
    print(f"# torch {torch.__version__}  shape  threads  ms/batch  tokens/s")
    for shape, t, ms, tps in rows:
        print(f"# {shape:>7} {t:>3} {ms:10.1f} {tps:9.1f}")


if __name__ == "__main__":
    main()
