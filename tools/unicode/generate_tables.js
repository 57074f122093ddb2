#!/usr/bin/env node
// generate_tables.js: per-code-point tables for src/tokenizer/unicode_tables.inc, measured on the
// reference itself (Hugging Face Rust tokenizers 0.22.2 via npm @anush008/tokenizers@0.6.0).
//
// Why measure instead of reading UnicodeData.txt: HF mixes Unicode versions (Unicode-8-era
// General_Category tables for Cc/Cf/Co removal, punctuation and Mn; modern Rust std tables for
// White_Space and lowercase; its own NFD tables). Probing every code point through the reference
// reproduces exactly that mix, whatever utf8proc or ICU version the C++ side sees.
//
// Usage:  npm install @anush008/tokenizers@0.6.0   (in this folder or set HF_TOKENIZERS_MODULE)
//         node generate_tables.js [OUT]            (default ../../src/tokenizer/unicode_tables.inc)
'use strict';
const fs = require('fs');
const path = require('path');

function loadHF() {
  const cands = [process.env.HF_TOKENIZERS_MODULE, path.join(__dirname, 'node_modules/@anush008/tokenizers'),
    '@anush008/tokenizers'].filter(Boolean);
  for (const c of cands) { try { return require(c); } catch (e) { /* next */ } }
  throw new Error('cannot load @anush008/tokenizers; set HF_TOKENIZERS_MODULE');
}
const t = loadHF();
const OUT = path.resolve(process.argv[2] || path.join(__dirname, '../../src/tokenizer/unicode_tables.inc'));

// Flag bits; keep in sync with src/tokenizer/unicode.h.
const F = { REMOVED: 1, CLEAN_WS: 2, SPLIT_WS: 4, PUNCT: 8, CHINESE: 16, MN: 32, LOWER: 64, DECOMP: 128 };

const CPS = [];
for (let c = 0; c <= 0x10ffff; c++) if (c < 0xd800 || c > 0xdfff) CPS.push(c);
const S = String.fromCodePoint;
const idx = c => (c < 0xd800 ? c : c - 0x800);  // position of c in CPS
const HANGUL_FIRST = 0xac00, HANGUL_LAST = 0xd7a3;

// Runs a normalizer over all code points, 4096 at a time, each wrapped as pre+c+post and separated
// by '|': ASCII starters that no BERT normalizer step touches or produces.
function batched(normalizer, pre, post) {
  const out = new Array(CPS.length);
  for (let i = 0; i < CPS.length; i += 4096) {
    const chunk = CPS.slice(i, i + 4096).map(c => (c === 0x7c ? 0x61 : c));  // '|' itself: probed alone below
    const res = normalizer.normalizeString(chunk.map(c => pre + S(c) + post).join('|')).split('|');
    if (res.length !== chunk.length) throw new Error(`separator lost near U+${chunk[0].toString(16)}`);
    for (let k = 0; k < chunk.length; k++) out[i + k] = res[k];
  }
  out[idx(0x7c)] = normalizer.normalizeString(pre + '|' + post);
  return out;
}

const clean = batched(t.bertNormalizer({ cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false }), '', '');
const chinese = batched(t.bertNormalizer({ cleanText: false, handleChineseChars: true, stripAccents: false, lowercase: false }), '', '');
const strip = batched(t.bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false }), '', '');
const lower = batched(t.bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: true }), '', '');
const nfd = batched(t.nfdNormalizer(), '', '');

// Pre-tokenizer classes: "a"+c+"a" stays one piece, or splits around a punctuation c, or loses a
// whitespace c.
const pre = t.bertPreTokenizer();
const splitWs = new Set(), punct = new Set();
for (let i = 0; i < CPS.length; i += 4096) {
  const chunk = CPS.slice(i, i + 4096);
  const pieces = pre.preTokenizeString(chunk.map(c => 'a' + S(c) + 'a').join(' ')).map(p => p[0]);
  let p = 0;
  for (const c of chunk) {
    const s = S(c);
    if (pieces[p] === 'a' + s + 'a') { p += 1; continue; }
    if (pieces[p] === 'a' && pieces[p + 1] === s && pieces[p + 2] === 'a') { punct.add(c); p += 3; continue; }
    if (pieces[p] === 'a' && pieces[p + 1] === 'a') { splitWs.add(c); p += 2; continue; }
    throw new Error(`unexpected pre-tokenization of U+${c.toString(16)}: ${JSON.stringify(pieces.slice(p, p + 3))}`);
  }
}

const flags = new Uint8Array(0x110000);
const lowerMap = new Map(), decompMap = new Map();
CPS.forEach((c, i) => {
  const s = S(c);
  let f = 0;
  if (clean[i] === '') f |= F.REMOVED;
  else if (clean[i] === ' ') f |= F.CLEAN_WS;
  else if (clean[i] !== s) throw new Error(`clean_text maps U+${c.toString(16)} to ${JSON.stringify(clean[i])}`);
  if (splitWs.has(c)) f |= F.SPLIT_WS;
  if (punct.has(c)) f |= F.PUNCT;
  if (chinese[i] === ' ' + s + ' ') f |= F.CHINESE;
  else if (chinese[i] !== s) throw new Error(`chinese step maps U+${c.toString(16)} unexpectedly`);
  if (nfd[i] === s) {
    if (strip[i] === '') f |= F.MN;
    else if (strip[i] !== s) throw new Error(`strip_accents maps undecomposed U+${c.toString(16)}`);
  } else if (c < HANGUL_FIRST || c > HANGUL_LAST) {
    f |= F.DECOMP;
    decompMap.set(c, [...nfd[i]].map(x => x.codePointAt(0)));
  }
  if (lower[i] !== s) { f |= F.LOWER; lowerMap.set(c, [...lower[i]].map(x => x.codePointAt(0))); }
  flags[c] = f;
});

// Hangul syllables decompose algorithmically (Unicode ch. 3.12); check the reference agrees.
for (let c = HANGUL_FIRST; c <= HANGUL_LAST; c++) {
  const si = c - HANGUL_FIRST, l = 0x1100 + Math.floor(si / 588), v = 0x1161 + Math.floor((si % 588) / 28), tt = si % 28;
  const want = S(l) + S(v) + (tt ? S(0x11a7 + tt) : '');
  if (nfd[idx(c)] !== want) throw new Error(`Hangul U+${c.toString(16)} does not decompose algorithmically`);
}
// A decomposition must be final (already NFD), so one table lookup is enough.
for (const [c, d] of decompMap) for (const x of d) if (decompMap.has(x)) throw new Error(`U+${c.toString(16)} decomposes non-recursively`);

// Canonical combining classes as the reference's NFD sees them: ccc(X) != 0 iff X moves behind/in
// front of a mark of class 240 (U+0345) or 1 (U+0334); the order among non-zero classes comes from
// sorting with the reference as the comparator. Only the order matters, so ranks are emitted.
const nfdN = t.nfdNormalizer();
const nonzero = [];
{
  const probe1 = batched(nfdN, 'a\u0345', ''), probe2 = batched(nfdN, 'a', '\u0334');
  CPS.forEach((c, i) => {
    if (flags[c] & F.DECOMP || (c >= HANGUL_FIRST && c <= HANGUL_LAST)) return;
    const s = S(c);
    if (c === 0x0345 || c === 0x0334 || probe1[i] === 'a' + s + '\u0345' || probe2[i] === 'a\u0334' + s) nonzero.push(c);
  });
}
const cmp = (x, y) => {
  if (x === y) return 0;
  const xy = S(x) + S(y), yx = S(y) + S(x);
  if (nfdN.normalizeString('a' + xy) === 'a' + yx) return 1;
  if (nfdN.normalizeString('a' + yx) === 'a' + xy) return -1;
  return 0;
};
nonzero.sort(cmp);
const cccRank = new Map();
let rank = 1;
nonzero.forEach((c, k) => { if (k > 0 && cmp(nonzero[k - 1], c) !== 0) rank++; cccRank.set(c, rank); });
if (rank > 255) throw new Error('too many combining classes');

// ---- emit
const hex = c => '0x' + c.toString(16).toUpperCase();
const lines = [];
lines.push('// Generated by tools/unicode/generate_tables.js from Hugging Face tokenizers 0.22.2');
lines.push('// (npm @anush008/tokenizers@0.6.0). Do not edit: rerun the generator.');
lines.push(`// ${nonzero.length} non-starters in ${rank} combining-class ranks, ${decompMap.size} decompositions, ${lowerMap.size} lowercase mappings.`);
lines.push('');
lines.push('// {first, last, flags}: runs of code points with equal non-zero flags.');
lines.push('static constexpr FlagRange kFlagRanges[] = {');
let row = [];
for (let c = 0; c <= 0x10ffff;) {
  const f = flags[c];
  let e = c;
  while (e + 1 <= 0x10ffff && flags[e + 1] === f) e++;
  if (f) row.push(`{${hex(c)},${hex(e)},${f}}`);
  if (row.length === 6) { lines.push('    ' + row.join(', ') + ','); row = []; }
  c = e + 1;
}
if (row.length) lines.push('    ' + row.join(', ') + ',');
lines.push('};');
lines.push('');
lines.push('// {first, last, rank}: canonical combining class order (0 = starter, not listed).');
lines.push('static constexpr CccRange kCccRanges[] = {');
row = [];
const cccSorted = [...cccRank.keys()].sort((a, b) => a - b);
for (let k = 0; k < cccSorted.length;) {
  let e = k;
  while (e + 1 < cccSorted.length && cccSorted[e + 1] === cccSorted[e] + 1 && cccRank.get(cccSorted[e + 1]) === cccRank.get(cccSorted[k])) e++;
  row.push(`{${hex(cccSorted[k])},${hex(cccSorted[e])},${cccRank.get(cccSorted[k])}}`);
  if (row.length === 6) { lines.push('    ' + row.join(', ') + ','); row = []; }
  k = e + 1;
}
if (row.length) lines.push('    ' + row.join(', ') + ',');
lines.push('};');
function emitMap(name, map) {
  const pool = [];
  const entries = [...map.keys()].sort((a, b) => a - b).map(c => { const d = map.get(c); const r = `{${hex(c)},${pool.length},${d.length}}`; pool.push(...d); return r; });
  lines.push('');
  lines.push(`static constexpr char32_t ${name}Pool[] = {`);
  for (let k = 0; k < pool.length; k += 10) lines.push('    ' + pool.slice(k, k + 10).map(hex).join(',') + ',');
  lines.push('};');
  lines.push(`static constexpr Mapping ${name}[] = {`);
  for (let k = 0; k < entries.length; k += 6) lines.push('    ' + entries.slice(k, k + 6).join(', ') + ',');
  lines.push('};');
}
emitMap('kLowercase', lowerMap);
emitMap('kDecomposition', decompMap);
fs.writeFileSync(OUT, lines.join('\n') + '\n');
console.log(`wrote ${OUT}: ${fs.statSync(OUT).size} bytes; ccc ranks ${rank}, non-starters ${nonzero.length}, decompositions ${decompMap.size}, lowercase ${lowerMap.size}`);
