#!/usr/bin/env node
// ONNX Runtime baseline for bertcpp_bench: the plain-torch BERT-base of baseline_torch.py,
// exported to ONNX, run through onnxruntime-node (its prebuilt CPU library ships inside the
// npm package) on the same shapes and thread counts.
//
//   npm install --ignore-scripts --prefix build/bench/ort onnxruntime-node   # scripts only fetch GPU extras
//   /usr/bin/python3 bench/baseline_torch.py --export-onnx build/bench/bert-base-random.onnx
//   NODE_PATH=build/bench/ort/node_modules node bench/baseline_ort.js --model build/bench/bert-base-random.onnx
// prints the median of --reps runs per shape and thread count as RESULT lines. The int8 baseline
// is the same model quantized by bench/quantize_onnx_int8.py, given as --int8-model (kind bert_int8).
//
// With --serve, it instead answers one line per request on stdin, "run KIND BxS THREADS" ->
// "TIME seconds" (one timed run; the caller warms up with a first request), so that
// bertcpp_bench can alternate its own runs with ONNX Runtime's and both see the same machine.
'use strict';

const readline = require('readline');

function parseArgs(argv) {
  const args = { shapes: '1x128,8x128,32x32,1x512', threads: '1,2', reps: 10, model: '', 'int8-model': '', serve: false };
  for (let i = 2; i < argv.length; ++i) {
    const key = argv[i].replace(/^--/, '');
    if (key === 'serve') args.serve = true;
    else args[key] = argv[++i];
  }
  return args;
}

// Sessions by kind and thread count, made on first use; inputs by shape.
function makeRunner(ort, args) {
  const models = { bert: args.model, bert_int8: args['int8-model'] };
  const sessions = new Map();
  const feeds = new Map();
  async function session(kind, threads) {
    const key = `${kind}/${threads}`;
    if (!sessions.has(key)) {
      if (!models[kind]) throw new Error(`no model for kind ${kind}`);
      sessions.set(key, await ort.InferenceSession.create(models[kind], {
        intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
      }));
    }
    return sessions.get(key);
  }
  function inputs(shape) {
    if (!feeds.has(shape)) {
      const [b, s] = shape.split('x').map(Number);
      const n = b * s;
      const ids = new BigInt64Array(n);
      for (let i = 0; i < n; ++i) ids[i] = BigInt(1000 + ((i * 7919) % 29000));
      feeds.set(shape, {
        input_ids: new ort.Tensor('int64', ids, [b, s]),
        token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), [b, s]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [b, s]),
      });
    }
    return feeds.get(shape);
  }
  // Seconds of one run.
  return async function runOnce(kind, shape, threads) {
    const s = await session(kind, threads);
    const feed = inputs(shape);
    const start = process.hrtime.bigint();
    await s.run(feed);
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
}

async function serve(runOnce) {
  const lines = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    const [verb, kind, shape, threads] = line.trim().split(/\s+/);
    if (verb !== 'run') continue;
    try {
      console.log(`TIME ${(await runOnce(kind, shape, Number(threads))).toFixed(6)}`);
    } catch (e) {
      console.log(`ERROR ${String(e.message || e).replace(/\s+/g, '_').slice(0, 120)}`);
    }
  }
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
  const runOnce = makeRunner(ort, args);
  if (args.serve) return serve(runOnce);
  const kinds = args['int8-model'] ? ['bert', 'bert_int8'] : ['bert'];
  for (const kind of kinds) {
    for (const threads of args.threads.split(',').map(Number)) {
      for (const shape of args.shapes.split(',')) {
        await runOnce(kind, shape, threads);  // warm-up
        const times = [];
        for (let r = 0; r < Number(args.reps); ++r) times.push(await runOnce(kind, shape, threads));
        times.sort((x, y) => x - y);
        console.log(`RESULT kind=${kind} shape=${shape} threads=${threads} seconds=${times[Math.floor(times.length / 2)].toFixed(6)}`);
      }
    }
  }
}

main().catch((e) => {
  console.log(`RESULT kind=skip reason=${String(e.message || e).replace(/\s+/g, '_').slice(0, 120)}`);
});
