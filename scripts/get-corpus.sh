#!/usr/bin/env bash
# get-corpus.sh — build a plain-English prose corpus for pretraining a tiny
# language model from scratch, using only Debian packages whose licences allow
# redistribution.
#
#   bash scripts/get-corpus.sh            # writes data/corpus/corpus.txt + SOURCES.md
#
# What it does
#   1. `apt-get download` pinned versions of a few Debian packages into a temp
#      dir (no system install; needs the apt lists: run `apt-get update` once).
#   2. Extracts them with `dpkg-deb -x`.
#   3. Pulls prose out of them (fortune cookies, The Devil's Dictionary, WordNet
#      usage examples, the reStructuredText sources of the Python, scikit-learn
#      and pandas user guides), strips markup and code, keeps English prose
#      paragraphs only, normalizes to ASCII, deduplicates.
#   4. Writes data/corpus/corpus.txt (one paragraph per line, UTF-8 = ASCII)
#      and data/corpus/SOURCES.md (package, version, sha256, licence).
#
# Deterministic: pinned versions, sorted inputs, no randomness. If a pinned
# version is gone from the archive (Debian point releases replace security
# updates), the script stops with a message; set ALLOW_UNPINNED=1 to take the
# archive's current candidate instead (the version used is recorded in
# SOURCES.md either way).
#
# Requirements: bash, apt-get, dpkg-deb, python3 (standard library only),
# sha256sum. Runs as any user that can read the apt lists.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="${OUT_DIR:-$ROOT/data/corpus}"
ALLOW_UNPINNED="${ALLOW_UNPINNED:-0}"

# package=version  licence (SPDX-ish, as stated in the package's debian/copyright)
SOURCES=(
  "fortunes-min=1:1.99.1-7.3|BSD-3-Clause (fortune-mod, UC Regents; advertising clause deleted)"
  "fortunes=1:1.99.1-7.3|BSD-3-Clause (fortune-mod, UC Regents; the offensive set is the separate fortunes-off package, not used)"
  "dict-devil=1.0-13.1|public domain (The Devil's Dictionary, Ambrose Bierce, copyright expired)"
  "dict-jargon=4.4.7-3.1|public domain (The Jargon File 4.4.7)"
  "wordnet-base=1:3.0-37|WordNet-3.0 (Princeton; permissive, redistribution allowed with notice)"
  "python3.11-doc=3.11.2-6+deb12u9|PSF-2.0 (Python documentation)"
  "python-sklearn-doc=1.2.1+dfsg-1|BSD-3-Clause (scikit-learn documentation)"
  "python-pandas-doc=1.5.3+dfsg-2|BSD-3-Clause (pandas documentation)"
  "python-statsmodels-doc=0.13.5+dfsg-7|BSD-3-Clause (statsmodels documentation)"
  "python-skimage-doc=0.19.3-8|BSD-3-Clause (scikit-image documentation)"
  "debian-handbook=11.20220922|GPL-2+ or CC-BY-SA-3.0 (The Debian Administrator's Handbook, R. Hertzog and R. Mas)"
)

die() { echo "get-corpus: ERROR: $*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg-deb python3 sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "required tool '$tool' not found"
done

START=$(date +%s)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/get-corpus.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/debs" "$WORK/x"
# apt-get download as root warns when _apt cannot write the target dir.
chmod 777 "$WORK/debs" 2>/dev/null || true

MANIFEST="$WORK/manifest.tsv"   # name  version  licence  sha256  deb
: > "$MANIFEST"

for entry in "${SOURCES[@]}"; do
  spec="${entry%%|*}"; licence="${entry#*|}"
  name="${spec%%=*}"; version="${spec#*=}"
  candidates="$(apt-cache madison "$name" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}')"
  if [ -z "$candidates" ]; then
    die "package '$name' is not known to apt (run 'apt-get update' first, or the package left the archive)"
  fi
  if ! grep -qxF "$version" <<<"$candidates"; then
    if [ "$ALLOW_UNPINNED" = "1" ]; then
      newv="$(apt-cache policy "$name" | awk '/Candidate:/ {print $2}')"
      echo "get-corpus: warning: $name=$version not available, using candidate $newv (ALLOW_UNPINNED=1)" >&2
      version="$newv"
    else
      die "pinned $name=$version is not available (have: $(tr '\n' ' ' <<<"$candidates")); update the pin in $0 or rerun with ALLOW_UNPINNED=1"
    fi
  fi
  echo "get-corpus: downloading $name=$version" >&2
  (cd "$WORK/debs" && apt-get download -q "$name=$version" >/dev/null 2>"$WORK/apt.err") \
    || { cat "$WORK/apt.err" >&2; die "apt-get download $name=$version failed"; }
  deb="$(ls "$WORK/debs/${name}_"*.deb 2>/dev/null | head -n1)"
  [ -n "$deb" ] || die "downloaded .deb for $name not found"
  dpkg-deb -x "$deb" "$WORK/x/$name" || die "cannot extract $deb"
  sha="$(sha256sum "$deb" | cut -d' ' -f1)"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$version" "$licence" "$sha" "$(basename "$deb")" >> "$MANIFEST"
done

echo "get-corpus: extracting and cleaning text" >&2
mkdir -p "$OUT_DIR"
python3 - "$WORK/x" "$OUT_DIR" "$MANIFEST" <<'PY'
import gzip, hashlib, os, re, sys, unicodedata
from collections import OrderedDict

X, OUT, MANIFEST = sys.argv[1], sys.argv[2], sys.argv[3]

def fail(msg):
    print("get-corpus: ERROR: " + msg, file=sys.stderr)
    sys.exit(1)

def read(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")

def files(root, pattern=r".*"):
    if not os.path.isdir(root):
        fail("expected directory missing: " + root)
    out = []
    rx = re.compile(pattern)
    for d, _, fs in os.walk(root):
        for f in fs:
            p = os.path.join(d, f)
            if rx.search(os.path.relpath(p, root)):
                out.append(p)
    out.sort()
    if not out:
        fail("no input files under " + root + " matching " + pattern)
    return out

# ---------------------------------------------------------------- cleaning --
ASCII_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": " - ", "\u2015": " - ", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u00ad": "", "\u00b7": ".",
    "\u00d7": "x", "\u2022": "-",
}
STOP = set("""the a an of to and in is it that for you with as be are was on this
not or by at from can if but have has will your we they he she i his her their
its which what when there one all would so do does no more some than then them
these those may also any how who been were had into about only just like out
up my me our us very""".split())
CODE_CHARS = set("{}[]=<>#$\\|;`@^~*")

# Drop any paragraph that contains slurs, profanity or sexual terms (old texts
# such as The Devil's Dictionary and the Jargon File contain some).
BLOCK = re.compile(r"\b(" + "|".join([
    r"fuck\w*", r"shit\w*", r"cunts?", r"nigg\w*", r"negro\w*", r"fag\w*", r"chinks?",
    r"spics?", r"kikes?", r"wops?", r"retard\w*", r"rap(e|es|ed|ist|ists|ing)", r"porn\w*",
    r"orgasm\w*", r"penis\w*", r"vagina\w*", r"sluts?", r"whor\w*", r"bitch\w*",
    r"dicks?", r"cocks?", r"sex\w*", r"nud(e|es|ity)", r"naked", r"masturbat\w*",
    r"erotic\w*", r"pimp\w*", r"tits?", r"titties", r"boob\w*", r"asshole\w*", r"arse\w*",
    r"bastard\w*", r"piss\w*", r"prostitut\w*", r"brothel\w*", r"lust\w*", r"horny",
    r"genital\w*", r"testicle\w*", r"semen", r"condom\w*", r"viagra", r"hooker\w*",
    r"incest\w*", r"pedophil\w*", r"molest\w*", r"bugger\w*", r"crotch\w*", r"screw(ed|ing)",
    r"kill yourself", r"suicid\w*", r"lynch\w*", r"savages?",
]) + r")\b", re.IGNORECASE)

def to_ascii(s):
    s = "".join(ASCII_MAP.get(c, c) for c in s)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    return s

def good_prose(p, min_words=5):
    """Keep English prose paragraphs; drop code, tables, lists of symbols."""
    if any(ord(c) > 126 for c in p):
        return False
    if BLOCK.search(p):
        return False
    if re.search(r"https?://|www\.|\S+@\S+\.\w+|\.\.\s*$|^[^\w\"'(]", p):
        return False
    words = p.split()
    if len(words) < min_words or len(p) > 3000:
        return False
    code = sum(c in CODE_CHARS for c in p) + 0.25 * p.count("_")
    if code > max(1, len(p) * 0.015):
        return False
    if sum(c.isdigit() for c in p) > len(p) * 0.08:
        return False
    alpha = [w for w in words if re.fullmatch(r"[A-Za-z][A-Za-z'-]*[.,;:!?\"')]*", w.strip("(\""))]
    if len(alpha) < 0.8 * len(words):
        return False
    # identifiers such as snake_case, dotted.names, CamelCase() look like code
    if sum(bool(re.search(r"\w\.\w|\w\(|[a-z][A-Z]", w)) for w in words) > 0.12 * len(words):
        return False
    lw = [w.strip(".,;:!?\"'()").lower() for w in words]
    stops = sum(w in STOP for w in lw)
    if stops < 1 or stops < 0.15 * len(words) and len(words) >= 8:
        return False
    if not re.search(r"[.!?\"')]$", p):
        return False
    if p[0].islower():
        return False
    return True

def norm_ws(s):
    return re.sub(r"\s+", " ", s).strip()

# ------------------------------------------------------------------ rst -----
KEEP_DIRECTIVES = {"note", "warning", "tip", "hint", "important", "seealso",
                   "attention", "caution", "topic", "admonition", "versionadded",
                   "versionchanged", "deprecated", "impl-detail"}

def rst_inline(t):
    t = re.sub(r":[\w:.-]+:`~?([^`<]*?)\s*<[^`>]*>`", r"\1", t)     # :role:`text <target>`
    t = re.sub(r":[\w:.-]+:`~?(?:[\w.]*\.)?([^`]*)`", r"\1", t)      # :role:`~a.b.c` -> c
    t = re.sub(r"``([^`]*)``", r"\1", t)
    t = re.sub(r"`([^`<]*?)\s*<[^`>]*>`__?", r"\1", t)              # `text <url>`_
    t = re.sub(r"`([^`]*)`__?", r"\1", t)
    t = re.sub(r"`([^`]*)`", r"\1", t)
    t = re.sub(r"\[#?\w*\]_", "", t)                                  # footnote refs
    t = re.sub(r"\|[\w -]+\|_?", "", t)                               # substitutions
    t = re.sub(r"\*\*([^*]+)\*\*", r"\1", t)
    t = re.sub(r"(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])", r"\1", t)
    t = re.sub(r"(?<!_)([A-Za-z0-9])_(?=[\s.,;:)]|$)", r"\1", t)                    # ref_
    t = t.replace("\\ ", "").replace("\\", "")
    return t

def rst_paragraphs(text):
    lines = text.replace("\t", "    ").split("\n")
    out, buf = [], []
    skip_indent = None   # drop lines indented more than this
    def flush():
        if buf:
            out.append(norm_ws(rst_inline(" ".join(buf))))
            buf.clear()
    i = 0
    while i < len(lines):
        raw = lines[i]
        line = raw.rstrip()
        ind = len(line) - len(line.lstrip())
        i += 1
        if skip_indent is not None:
            if not line.strip() or ind > skip_indent:
                continue
            skip_indent = None
        s = line.strip()
        if not s:
            flush(); continue
        if re.fullmatch(r"([=\-~^\"'`#*+:.<>_])\1{2,}", s):            # section rules
            buf.clear(); continue
        if re.match(r"^[+|]", s) or re.fullmatch(r"[=\s]+", s):        # tables
            flush(); continue
        if s.startswith(">>>") or s.startswith("... ") or s.startswith("$ "):
            flush(); skip_indent = ind - 1 if ind > 0 else None
            # doctest output continues until a blank line
            while i < len(lines) and lines[i].strip():
                i += 1
            continue
        m = re.match(r"\.\.\s+([\w:-]+)::", s)
        if s.startswith(".."):
            flush()
            if m and m.group(1).split(":")[-1] in KEEP_DIRECTIVES:
                rest = s[m.end():].strip()
                if rest:
                    buf.append(rest)
                # keep its body: options (":foo: bar") are dropped below
                continue
            skip_indent = ind
            continue
        if re.match(r":[\w -]+:( |$)", s):                              # field lists / options
            continue
        text_ = s
        if s.endswith("::"):
            # literal block follows: keep the sentence, drop the block
            text_ = re.sub(r"\s*::$", ":", text_) if not s == "::" else ""
            if text_:
                buf.append(text_)
            flush()
            skip_indent = ind
            continue
        if re.match(r"^([-*+]|\d+\.|#\.)\s+", s):                       # list items = paragraphs
            flush()
            text_ = re.sub(r"^([-*+]|\d+\.|#\.)\s+", "", text_)
        buf.append(text_)
    flush()
    return out

# -------------------------------------------------------------- fortunes ----
FORTUNE_EXCLUDE = {  # noisy, non-English, code, ascii art, or touchy topics
    "ascii-art", "translate-me", "zippy", "perl", "knghtbrd", "linuxcookie",
    "debian", "ethnic", "men-women", "drugs", "politics", "art", "startrek",
    "songs-poems", "love", "medicine", "law", "news",
}

def fortune_paragraphs(text):
    out = []
    for f in text.split("\n%\n"):
        f = f.strip("%\n")
        if not f.strip():
            continue
        lines = [l for l in f.split("\n")]
        # poems / dialogues with many short lines read badly as one paragraph
        if len(lines) > 12:
            continue
        body = []
        for l in lines:
            ls = l.strip()
            if ls.startswith("--"):
                continue                         # attribution line
            body.append(ls)
        out.append(norm_ws(" ".join(body)))
    return out

# ----------------------------------------------------------------- devil ----
def devil_paragraphs(text):
    start = text.find("PREFACE")
    text = text[start:] if start >= 0 else text
    paras = re.split(r"\n\s*\n", text)
    out = []
    for p in paras:
        p = norm_ws(p.replace("_", ""))
        if re.fullmatch(r"[A-Z .,'-]+", p):      # headings / index letters
            continue
        out.append(p)
    return out

# ---------------------------------------------------------------- jargon ----
def jargon_paragraphs(text):
    start = text.find("\n(TM)")               # skip the dictd header block
    out = []
    for p in re.split(r"\n\s*\n", text[max(start, 0):]):
        lines = p.split("\n")
        if not lines[0].startswith("    "):     # headword / pronunciation lines
            continue
        if sum(len(l.strip()) < 40 for l in lines) > len(lines) / 2:
            continue                               # verse, tables, examples
        p = norm_ws(" ".join(lines))
        p = p.replace("{", "").replace("}", "")
        lead = r"^(\d+\.\s*|(n|v|vi|vt|adj|adv|interj|pref|suff|excl|conj|prep|pron|abbrev|pl)\.,?\s*|\[[^\]]*\]\s*)+"
        p = re.sub(lead, "", p)
        p = re.sub(r"\s+([.,;:)])", r"\1", p)
        out.append(p)
    return out

# --------------------------------------------------------------- wordnet ----
def wordnet_examples(text):
    out = []
    for line in text.split("\n"):
        if not line or line.startswith("  "):
            continue                              # licence header lines
        _, _, gloss = line.partition(" | ")
        for ex in re.findall(r'"([^"]{12,})"', gloss):
            ex = ex.strip().rstrip(";").strip()
            if not ex:
                continue
            ex = ex[0].upper() + ex[1:]
            if ex[-1] not in ".!?":
                ex += "."
            out.append(ex)
    return out

# --------------------------------------------------------------- sources ----
def py_doc():
    root = os.path.join(X, "python3.11-doc/usr/share/doc/python3.11/html/_sources")
    sel = r"^(tutorial|howto|faq|library|reference|using|whatsnew)/.*\.rst\.txt$|^glossary\.rst\.txt$"
    for p in files(root, sel):
        yield from rst_paragraphs(read(p))

def sk_doc():
    root = os.path.join(X, "python-sklearn-doc/usr/share/doc/python-sklearn-doc/html/_sources")
    sel = r"^(modules/[^/]+|tutorial/.*|[^/]+)\.rst\.txt$"
    for p in files(root, sel):
        yield from rst_paragraphs(read(p))

def pd_doc():
    root = os.path.join(X, "python-pandas-doc/usr/share/doc/python-pandas-doc/html/_sources")
    sel = r"^(user_guide|getting_started)/.*\.rst\.txt$"
    for p in files(root, sel):
        yield from rst_paragraphs(read(p))

def sm_doc():
    root = os.path.join(X, "python-statsmodels-doc/usr/share/doc/python-statsmodels-doc/html/_sources")
    for p in files(root, r"^[^/]+\.rst\.txt$"):
        yield from rst_paragraphs(read(p))

def ski_doc():
    root = os.path.join(X, "python-skimage-doc/usr/share/doc/python-skimage-doc/html/_sources")
    for p in files(root, r"^(user_guide/[^/]+|[^/]+)\.(rst|md)\.txt$"):
        yield from rst_paragraphs(read(p))

def handbook():
    # The English HTML book: the text of every <div class="para"> (up to a nested div), tags
    # dropped, entities decoded.
    import html as htmllib
    root = os.path.join(X, "debian-handbook/usr/share/doc/debian-handbook/html/en-US")
    for p in files(root, r"^[^/]+\.html$"):
        for m in re.finditer(r'<div class="para"[^>]*>(.*?)</div>', read(p), re.S):
            t = re.sub(r"<[^>]+>", "", m.group(1))
            yield htmllib.unescape(t)

def fortunes():
    for pkg in ("fortunes-min", "fortunes"):
        root = os.path.join(X, pkg, "usr/share/games/fortunes")
        for p in files(root, r"^[a-z-]+$"):
            if os.path.basename(p) in FORTUNE_EXCLUDE:
                continue
            yield from fortune_paragraphs(read(p))

def devil():
    p = os.path.join(X, "dict-devil/usr/share/dictd/devil.dict.dz")
    if not os.path.isfile(p):
        fail("missing " + p)
    yield from devil_paragraphs(read(p))

def jargon():
    p = os.path.join(X, "dict-jargon/usr/share/dictd/jargon.dict.dz")
    if not os.path.isfile(p):
        fail("missing " + p)
    yield from jargon_paragraphs(read(p))

def wordnet():
    root = os.path.join(X, "wordnet-base/usr/share/wordnet")
    for p in files(root, r"^data\.(noun|verb|adj|adv)$"):
        yield from wordnet_examples(read(p))

# order: conversational / simple prose first, then documentation
PIPELINE = [
    ("fortunes", "fortunes-min, fortunes", fortunes, 5),
    ("devil", "dict-devil", devil, 5),
    ("jargon", "dict-jargon", jargon, 8),
    ("wordnet-examples", "wordnet-base", wordnet, 4),
    ("python-docs", "python3.11-doc", py_doc, 8),
    ("scikit-learn-docs", "python-sklearn-doc", sk_doc, 8),
    ("pandas-docs", "python-pandas-doc", pd_doc, 8),
    ("statsmodels-docs", "python-statsmodels-doc", sm_doc, 8),
    ("scikit-image-docs", "python-skimage-doc", ski_doc, 8),
    ("debian-handbook", "debian-handbook", handbook, 8),
]

seen = set()
stats = OrderedDict()
out_path = os.path.join(OUT, "corpus.txt")
tmp_path = out_path + ".tmp"
rej = open(os.path.join(OUT, "rejected.txt"), "w", encoding="utf-8") if os.environ.get("CORPUS_DEBUG") else None
with open(tmp_path, "w", encoding="ascii", newline="\n") as out:
    for label, pkgs, gen, min_words in PIPELINE:
        n_in = n_keep = n_bytes = 0
        for p in gen():
            n_in += 1
            p = norm_ws(to_ascii(p))
            if not good_prose(p, min_words):
                if os.environ.get("CORPUS_DEBUG"):
                    rej.write(label + "\t" + p + "\n")
                continue
            key = hashlib.sha1(re.sub(r"[^a-z0-9]+", "", p.lower()).encode()).digest()
            if key in seen:
                continue
            seen.add(key)
            out.write(p + "\n")
            n_keep += 1
            n_bytes += len(p) + 1
        if n_keep == 0:
            fail(f"source {label} produced no text; the package layout may have changed")
        stats[label] = (pkgs, n_in, n_keep, n_bytes)
os.replace(tmp_path, out_path)

total = sum(v[3] for v in stats.values())
manifest = [l.rstrip("\n").split("\t") for l in open(MANIFEST, encoding="utf-8") if l.strip()]
with open(os.path.join(OUT, "SOURCES.md"), "w", encoding="utf-8", newline="\n") as f:
    f.write("# Corpus sources\n\n")
    f.write("Generated by `scripts/get-corpus.sh`. `corpus.txt` holds one paragraph per line,\n")
    f.write("ASCII, English prose only, deduplicated. Licence texts are in each package's\n")
    f.write("`/usr/share/doc/<package>/copyright`.\n\n")
    f.write("| package | version | licence | sha256 of .deb |\n| --- | --- | --- | --- |\n")
    for name, ver, lic, sha, deb in manifest:
        f.write(f"| {name} | {ver} | {lic} | `{sha}` |\n")
    f.write("\n| part | from | paragraphs read | lines kept | bytes kept |\n| --- | --- | ---: | ---: | ---: |\n")
    for label, (pkgs, n_in, n_keep, n_bytes) in stats.items():
        f.write(f"| {label} | {pkgs} | {n_in} | {n_keep} | {n_bytes} |\n")
    f.write(f"\nTotal: {total} bytes, {sum(v[2] for v in stats.values())} lines, sha256 of corpus.txt: `")
    f.write(hashlib.sha256(open(out_path, "rb").read()).hexdigest() + "`\n")
    f.write("\nFortune files left out (noise, code, non-English or touchy topics): "
            + ", ".join(sorted(FORTUNE_EXCLUDE)) + ".\n")
for label, (pkgs, n_in, n_keep, n_bytes) in stats.items():
    print(f"get-corpus: {label:18s} {n_keep:7d} lines {n_bytes/1e6:7.2f} MB", file=sys.stderr)
print(f"get-corpus: total {total/1e6:.2f} MB -> {out_path}", file=sys.stderr)
if total < 1_000_000:
    fail("corpus is unexpectedly small")
PY

END=$(date +%s)
echo "get-corpus: done in $((END - START)) s" >&2
