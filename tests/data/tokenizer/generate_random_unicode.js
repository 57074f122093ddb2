#!/usr/bin/env node
// generate_random_unicode.js: random_unicode.jsonl, golden records for random Unicode strings
// from Hugging Face tokenizers 0.22.2 (same binding and pipeline as generate_golden.js).
//
// The strings mix scripts, case pairs, controls, format characters, private use, unassigned and
// recently added code points, combining marks (also out of canonical order), CJK around the
// extension boundaries, Hangul, emoji sequences, whitespace of every kind, punctuation, literal
// special tokens and vocab words, so that each table the normalizer and pre-tokenizer use is hit.
//
// Usage:  HF_TOKENIZERS_MODULE=.../node_modules/@anush008/tokenizers node generate_random_unicode.js [OUT]
// Records (one JSON object a line, escaped like generate_golden.js):
//   single: {"config": "uncased"|"cased", "text", "tokens", "ids", "offsets"}            (+ "max_length" when truncated)
//   pair:   {"config": "uncased", "text_a", "text_b", "max_length", "tokens", "ids", "type_ids", "offsets"}
// "cased" is lowercase=false, strip_accents=false; offsets of B tokens index text_b.
'use strict';
const fs = require('fs');
const path = require('path');
const g = require('./generate_golden.js');

const SEED = 4242;
const N_SINGLE = 2200, N_CASED = 500, N_TRUNC = 150, N_PAIRS = 250;
const OUT = path.resolve(process.argv[2] || path.join(__dirname, 'random_unicode.jsonl'));

// [weight, first, last]: inclusive code point ranges to draw from.
const POOLS = [
  [30, 0x61, 0x7a], [12, 0x41, 0x5a], [6, 0x30, 0x39], [8, 0x21, 0x2f], [4, 0x3a, 0x40], [4, 0x5b, 0x60], [3, 0x7b, 0x7e],
  [4, 0x00, 0x1f], [2, 0x7f, 0x9f], [6, 0xa0, 0xff], [6, 0x100, 0x24f], [6, 0x300, 0x36f], [3, 0x370, 0x3ff],
  [3, 0x400, 0x52f], [2, 0x530, 0x58f], [3, 0x590, 0x5ff], [3, 0x600, 0x6ff], [3, 0x700, 0x8ff], [3, 0x900, 0xdff],
  [2, 0xe00, 0xfff], [2, 0x1000, 0x10ff], [2, 0x1100, 0x11ff], [2, 0x1200, 0x1fff], [4, 0x1ab0, 0x1aff],
  [3, 0x1c80, 0x1cff], [4, 0x1dc0, 0x1dff], [3, 0x1e00, 0x1fff], [6, 0x2000, 0x206f], [2, 0x2070, 0x20cf],
  [3, 0x20d0, 0x20ff], [4, 0x2100, 0x2bff], [3, 0x2c00, 0x2e7f], [2, 0x2e80, 0x2fff], [4, 0x3000, 0x30ff],
  [2, 0x3100, 0x33ff], [2, 0x3400, 0x4dbf], [8, 0x4e00, 0x9fff], [2, 0xa000, 0xa4ff], [3, 0xa500, 0xabff],
  [4, 0xac00, 0xd7a3], [1, 0xd7b0, 0xd7ff], [3, 0xe000, 0xf8ff], [3, 0xf900, 0xfaff], [3, 0xfb00, 0xfdff],
  [3, 0xfe00, 0xfe6f], [3, 0xfe70, 0xfeff], [3, 0xff00, 0xffef], [2, 0xfff0, 0xffff], [3, 0x10000, 0x1039f],
  [2, 0x10400, 0x104ff], [3, 0x10800, 0x10fff], [3, 0x11000, 0x11fff], [2, 0x12000, 0x1342f], [2, 0x13430, 0x1345f],
  [2, 0x16800, 0x16fff], [2, 0x17000, 0x18aff], [2, 0x1b000, 0x1bcff], [3, 0x1d000, 0x1d24f], [2, 0x1d400, 0x1d7ff],
  [2, 0x1da00, 0x1daaf], [2, 0x1e000, 0x1e95f], [8, 0x1f000, 0x1faff], [2, 0x20000, 0x2a6df], [1, 0x2a6e0, 0x2a6ff],
  [2, 0x2a700, 0x2b81f], [3, 0x2b800, 0x2b93f], [2, 0x2b920, 0x2ceaf], [2, 0x2cea0, 0x2ebef], [2, 0x2f800, 0x2fa1f],
  [2, 0x30000, 0x323af], [2, 0xe0000, 0xe01ef], [2, 0xf0000, 0x10ffff], [4, 0x0, 0x10ffff],
];
const TOTAL = POOLS.reduce((s, p) => s + p[0], 0);
const SPECIAL_BITS = ['[CLS]', '[SEP]', '[MASK]', '[UNK]', '[PAD]', '[mask]', '[', ']', '##', ' ', '  ', '\t', '\n', '\r\n',
  '\u200d', '\ufe0f', '\u0301', '\u0308\u0323', '\u{1F3FB}', '\u00a0', '\u3000'];

function randomCodePoint(rng) {
  let r = rng() * TOTAL;
  for (const [w, a, b] of POOLS) {
    if ((r -= w) < 0) {
      const c = a + g.randInt(rng, b - a + 1);
      return c >= 0xd800 && c <= 0xdfff ? 0x20 : c;  // no lone surrogates: JSON/UTF-8 cannot carry them
    }
  }
  return 0x20;
}

function randomText(rng, vocabWords, maxLen) {
  const len = g.randInt(rng, maxLen + 1);
  let s = '';
  let n = 0;
  while (n < len) {
    const r = rng();
    let piece;
    if (r < 0.55) piece = String.fromCodePoint(randomCodePoint(rng));
    else if (r < 0.75) piece = g.pick(rng, vocabWords) + (rng() < 0.5 ? ' ' : '');
    else if (r < 0.9) piece = g.pick(rng, SPECIAL_BITS);
    else if (r < 0.97) {  // a run of one code point: repeated marks, long words near max_input_chars_per_word
      const c = String.fromCodePoint(randomCodePoint(rng));
      piece = c.repeat(1 + g.randInt(rng, rng() < 0.2 ? 110 : 6));
    } else piece = g.pick(rng, vocabWords).repeat(2 + g.randInt(rng, 30));
    s += piece;
    n += g.cpLen(piece);
  }
  return s;
}

async function main() {
  const hf = g.loadHF();
  const vocabPath = g.DEFAULTS.vocab;
  if (g.sha256File(vocabPath) !== g.VOCAB_SHA256) throw new Error('vocab sha256 mismatch');
  const vocab = g.loadVocab(vocabPath);
  const vocabWords = vocab.filter(t => !/^\[/.test(t)).map(t => t.replace(/^##/, ''));
  const unc = await g.makeTokenizer(hf, vocabPath, { lowercase: true });
  const cas = await g.makeTokenizer(hf, vocabPath, { lowercase: false, stripAccents: false });
  const rng = g.mulberry32(SEED);
  const recs = [];
  for (let k = 0; k < N_SINGLE; k++) {
    const text = randomText(rng, vocabWords, k % 10 === 9 ? 400 : 40);
    recs.push({ config: 'uncased', text, ...(await g.encodeSingle(unc, text)) });
  }
  for (let k = 0; k < N_CASED; k++) {
    const text = randomText(rng, vocabWords, 40);
    recs.push({ config: 'cased', text, ...(await g.encodeSingle(cas, text)) });
  }
  for (let k = 0; k < N_TRUNC; k++) {
    const text = randomText(rng, vocabWords, 60), m = g.pick(rng, [2, 3, 5, 8, 16, 25]);
    recs.push({ config: 'uncased', text, max_length: m, ...(await g.encodeSingle(unc, text, m)) });
  }
  for (let k = 0; k < N_PAIRS; k++) {
    const a = randomText(rng, vocabWords, 40), b = randomText(rng, vocabWords, 40), m = g.pick(rng, [3, 4, 8, 16, 25, 64]);
    recs.push({ config: 'uncased', text_a: a, text_b: b, max_length: m, ...(await g.encodePair(unc, a, b, m)) });
  }
  const bytes = g.writeJsonl(OUT, recs);
  if (bytes > 1.5e6) throw new Error(`${OUT}: ${bytes} bytes, over the 1.5 MB budget`);
  // Self-check: every record parses back and keeps its text.
  const back = fs.readFileSync(OUT, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l));
  back.forEach((r, i) => { if ((r.text ?? r.text_a) !== (recs[i].text ?? recs[i].text_a)) throw new Error(`line ${i + 1} does not round-trip`); });
  console.log(`${path.basename(OUT)}: ${recs.length} records, ${bytes} bytes`);
}

main().catch(e => { console.error(e); process.exit(1); });
