// Generates hf-tokenizers-differential.jsonl: the Hugging Face tokenizers library's own
// encode/decode results (npm package tokenizers 0.23.2, the Node binding of the Rust crate) for
// fixed tricky strings and seeded random strings, on the Mistral v0.1 tokenizer.json and three
// variants that swap the legacy Prepend normalizer for a Metaspace pre-tokenizer.
// Usage: npm install tokenizers@0.23.2 && node make-hf-differential.js <tokenizer.json> <out.jsonl>
// Variants (mirrored in HfDifferentialTests.cs):
//   orig      the file as shipped
//   msfirst   normalizer null; Metaspace prepend_scheme "first", split false; Metaspace decoder
//   mslegacy  normalizer null; Metaspace with only add_prefix_space true (split defaults to true)
//   msalways  normalizer null; Metaspace prepend_scheme "always", split false
const { Tokenizer } = require('tokenizers');
const fs = require('fs');
const base = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
function variant(name) {
  const j = JSON.parse(JSON.stringify(base));
  if (name === 'msfirst') {
    j.normalizer = null;
    j.pre_tokenizer = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false };
    j.decoder = { type: 'Sequence', decoders: [{ type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false }, { type: 'ByteFallback' }, { type: 'Fuse' }] };
  } else if (name === 'mslegacy') {
    j.normalizer = null;
    j.pre_tokenizer = { type: 'Metaspace', replacement: '▁', add_prefix_space: true };
  } else if (name === 'msalways') {
    j.normalizer = null;
    j.pre_tokenizer = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: false };
  }
  return j;
}
let seed = 12345;
function rnd() { seed |= 0; seed = seed + 0x6D2B79F5 | 0; let t = Math.imul(seed ^ seed >>> 15, 1 | seed); t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t; return ((t ^ t >>> 14) >>> 0) / 4294967296; }
const frags = ['a','b','Hello',' ','  ','   ','\t','\n','\r\n','</s>','<s>','<unk>','é','🦙','東京','▁','<0x41>','[INST]','[/INST]','\u200b','ab','  world','x y','!!','...','12345','ñ','😍','\u0301','<','>','/s','s>','<s','Ω','ß','\ud83d\ude4f', 'the', ' the', 'ing', ' Q', 'LoRA'];
const ranges = [[32,126],[160,255],[0x400,0x4ff],[0x4e00,0x4e80],[0x1f600,0x1f64f],[0x300,0x36f],[0x600,0x6ff],[0x900,0x97f],[0xac00,0xac40]];
function randomText() {
  const n = 1 + Math.floor(rnd() * 25); let s = '';
  for (let i = 0; i < n; i++) {
    if (rnd() < 0.6) s += frags[Math.floor(rnd() * frags.length)];
    else { const r = ranges[Math.floor(rnd() * ranges.length)]; s += String.fromCodePoint(r[0] + Math.floor(rnd() * (r[1] - r[0] + 1))); }
  }
  return s;
}
const fixed = ['', ' ', '  ', 'Hello</s>world', '<s>Hello', 'a <s> b', '  <s>  ', '</s>', '<unk>', '<s><s>', 'x</s>', ' </s> ', '</s>\n', 'Hello world', ' Hello world', 'Hello  world', '[INST] hi [/INST]', '<s>[INST] hi [/INST]', '▁Hello', '▁', '▁▁x'];
const all = [];
(async () => {
  for (const name of ['orig', 'msfirst', 'mslegacy', 'msalways']) {
    const j = variant(name);
    const tok = Tokenizer.fromString(JSON.stringify(j));
    seed = 12345;
    const texts = fixed.slice(); for (let i = 0; i < 250; i++) texts.push(randomText());
    const out = [];
    for (const text of texts) {
      const enc = await tok.encode(text, null, { addSpecialTokens: true });
      const ids = enc.getIds();
      out.push(JSON.stringify({ variant: name, text, ids, decoded: await tok.decode(ids, true), decodedRaw: await tok.decode(ids, false) }));
    }
    all.push(...out);
  }
  fs.writeFileSync(process.argv[3], all.join('\n') + '\n');
  console.log(all.length);
})();
