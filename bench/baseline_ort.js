#!/usr/bin/env node
// ONNX Runtime baseline for bertcpp_bench: the plain-torch BERT-base of baseline_torch.py,
// exported to ONNX, run through onnxruntime-node (its prebuilt CPU library ships inside the
// npm package) on the same shapes and thread counts. Prints the same RESULT lines.
//
//   npm install --ignore-scripts --prefix build/bench/ort onnxruntime-node   # scripts only fetch GPU extras
//   /usr/bin/python3 bench/baseline_torch.py --export-onnx build/bench/bert-base-random.onnx
//   NODE_PATH=build/bench/ort/node_modules node bench/baseline_ort.js --model build/bench/bert-base-random.onnx
// The int8 baseline is the same model quantized by bench/quantize_onnx_int8.py, run with --kind bert_int8.
'use strict';

function parseArgs(argv) {
  const args = { shapes: '1x128,8x128,32x32,1x512', threads: '1,2', reps: 10, model: '', kind: 'bert' };
  for (let i = 2; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  return args;
}

async function main() {
  const args = parseArgs(process.argv);
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    console.log('RESULT kind=skip reason=onnxruntime-node_not_installed');
    return;
  }
  console.log(`RESULT kind=version version=${ort.env.versions.common}`);
  const reps = Number(args.reps);
  const shapes = args.shapes.split(',').map((s) => s.split('x').map(Number));
  for (const threads of args.threads.split(',').map(Number)) {
    const session = await ort.InferenceSession.create(args.model, {
      intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    });
    for (const [b, s] of shapes) {
      const n = b * s;
      const ids = new BigInt64Array(n);
      for (let i = 0; i < n; ++i) ids[i] = BigInt(1000 + ((i * 7919) % 29000));
      const feeds = {
        input_ids: new ort.Tensor('int64', ids, [b, s]),
        token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), [b, s]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [b, s]),
      };
      await session.run(feeds);  // warm-up
      const times = [];
      for (let r = 0; r < reps; ++r) {
        const start = process.hrtime.bigint();
        await session.run(feeds);
        times.push(Number(process.hrtime.bigint() - start) / 1e9);
      }
      times.sort((x, y) => x - y);
      console.log(`RESULT kind=${args.kind} shape=${b}x${s} threads=${threads} seconds=${times[Math.floor(times.length / 2)].toFixed(6)}`);
    }
    await session.release();
  }
}

main().catch((e) => {
  console.log(`RESULT kind=skip reason=${String(e.message || e).replace(/\s+/g, '_').slice(0, 120)}`);
});
