#!/usr/bin/env python3
"""Differential test of contactport's phone normalisation against Google's libphonenumber
(the `phonenumbers` package from PyPI, installed when missing).

The corpus is generated here, not frozen: for every region libphonenumber knows, its example
number of every type, plus random numbers in and out of assigned ranges (seeded), each written
in E.164, international and national shapes with spaces, dots, dashes, parentheses and a `00`
prefix, read with several default regions. Both sides answer the E.164 form or "invalid";
every disagreement is counted by kind, and the first few of each are shown.

usage: tests/phones/differential.py [--random N] [--max-mismatch RATIO]
Exit 0 when the share of disagreements is at most RATIO (default 0: none).
"""
import argparse, random, subprocess, sys, collections, os

# The oracle is the libphonenumber release whose metadata `rlibphonenumber` carries, so a range
# that changed since is not counted as a bug. The port's version does not name it (its Readme
# does): a version missing here stops the test until its metadata version is added.
root = os.path.join(os.path.dirname(__file__), "..", "..")
lock = open(os.path.join(root, "Cargo.lock")).read()
METADATA = {"2.2.15": "9.0.42"}
port = lock.split('name = "rlibphonenumber"\nversion = "', 1)[1].split('"', 1)[0]
if port not in METADATA:
    sys.exit(f"rlibphonenumber {port}: add the libphonenumber metadata version its Readme names to METADATA")
meta = METADATA[port]
try:
    import phonenumbers
    if phonenumbers.__version__ != meta:
        raise ImportError
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", f"phonenumbers=={meta}"])
    # Started again, so the version just installed is the one imported.
    os.execv(sys.executable, [sys.executable, *sys.argv])
from phonenumbers import PhoneNumberFormat as F, PhoneNumberType as T

ap = argparse.ArgumentParser()
ap.add_argument("--random", type=int, default=20, help="random numbers per region")
ap.add_argument("--max-mismatch", type=float, default=0.0)
ap.add_argument("--bin", default="target/release/examples/phones")
args = ap.parse_args()
rng = random.Random(20261201)

TYPES = [T.FIXED_LINE, T.MOBILE, T.TOLL_FREE, T.PREMIUM_RATE, T.VOIP, T.UAN, T.PAGER, T.PERSONAL_NUMBER]
READERS = ["FR", "US", "DE", "IT", "GB"]

def shapes(n):
    """The ways people write `n`: E.164, international (spaces, dots, dashes, a `(0)`), with 00,
    national (spaces, dots, a trailing extension, words around it)."""
    e164 = phonenumbers.format_number(n, F.E164)
    intl = phonenumbers.format_number(n, F.INTERNATIONAL)
    national = phonenumbers.format_number(n, F.NATIONAL)
    cc, rest = intl.split(" ", 1) if " " in intl else (intl, "")
    return [(e164, None), (intl, None), (intl.replace(" ", "."), None), (intl.replace(" ", "-"), None),
            (f"{cc} (0){rest}", None), ("00" + e164[1:], "00"),
            (national, "national"), (national.replace(" ", "."), "national"),
            (national + " ext. 12", "national"), ("tel " + national, "national")]

corpus = []
for region in sorted(phonenumbers.SUPPORTED_REGIONS):
    nums = []
    for t in TYPES:
        ex = phonenumbers.example_number_for_type(region, t)
        if ex:
            nums.append(ex)
    cc = phonenumbers.country_code_for_region(region)
    for _ in range(args.random):
        length = rng.randint(6, 11)
        digits = str(rng.randint(10 ** (length - 1), 10 ** length - 1))
        try:
            nums.append(phonenumbers.parse(f"+{cc}{digits}", None))
        except phonenumbers.NumberParseException:
            pass
    for n in nums:
        for raw, kind in shapes(n):
            # A national shape is read in its own region and in the others (FR among them): a
            # foreign national number read as French is a common mistake in a real list.
            readers = READERS + [region] if kind == "national" and region not in READERS else READERS
            for reader in readers:
                corpus.append((raw, reader))

def oracle(raw, region):
    try:
        n = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return "invalid"
    if n.extension or not phonenumbers.is_valid_number(n):
        return "invalid"
    return phonenumbers.format_number(n, F.E164)

want = {(raw, region): oracle(raw, region) for raw, region in corpus}
inp = "".join(f"{raw}\t{region}\n" for raw, region in corpus)
if os.environ.get("PHONES_CORPUS"):
    # The corpus itself, for timing other implementations on the same numbers.
    open(os.environ["PHONES_CORPUS"], "w").write(inp)
res = subprocess.run([args.bin], input=inp, capture_output=True, text=True, check=True)
got = {}
# The second differential (issue 22): contactport's answer (the numbering plans' tables where
# they answer) against rlibphonenumber's own on every number, the national numbers of French
# overseas departments included.
table_vs_library = []
for line in res.stdout.splitlines():
    raw, region, answer, library = line.split("\t")
    got[(raw, region)] = answer
    if answer != library:
        table_vs_library.append(f"{raw!r} read in {region}: tables {answer}, rlibphonenumber {library}")

# Deliberate: read in France, a national number that is not French but valid in a French overseas
# department (`0692417900`, Réunion, Covage's own example) is that department's number. Counted
# apart, with its reason; anything else is a disagreement.
OVERSEAS = ["RE", "GP", "MQ", "GF", "YT", "BL"]

def overseas(raw, region):
    """Our answer for a national number read in FR that France does not hold, or None."""
    bare = raw.lstrip()
    if all(c.isdigit() or c in " .-()/" for c in bare):
        bare = "".join(c for c in bare if c.isdigit())
    if region != "FR" or not bare.startswith("0") or bare.startswith("00"):
        return None
    return next((a for a in (oracle(raw, r) for r in OVERSEAS) if a != "invalid"), None)

deliberate = 0
kinds = collections.Counter()
regions = collections.Counter()
examples = collections.defaultdict(list)
for key, w in want.items():
    g = got.get(key, "missing")
    raw, region = key
    ours = overseas(raw, region) if w == "invalid" else None
    if ours is not None:
        # Held to the convention: the department's number, not "invalid".
        if g == ours:
            deliberate += 1
            continue
        w = ours
    if g == w:
        continue
    if w == "invalid":
        kind = "we accept, libphonenumber refuses"
    elif g == "invalid":
        kind = "we refuse, libphonenumber accepts"
    else:
        kind = "different E.164"
    kinds[kind] += 1
    try:
        regions[phonenumbers.region_code_for_country_code(phonenumbers.parse(raw, region).country_code)] += 1
    except phonenumbers.NumberParseException:
        regions["?"] += 1
    if len(examples[kind]) < 8:
        examples[kind].append(f"{raw!r} read in {region}: libphonenumber {w}, contactport {g}")

total = len(want)
bad = sum(kinds.values())
print(f"phones differential: {total} numbers ({len(phonenumbers.SUPPORTED_REGIONS)} regions, "
      f"libphonenumber {phonenumbers.__version__}): {total - bad} agree, {bad} disagree "
      f"({bad / total:.3%})")
print(f"  deliberate, not counted: {deliberate} national numbers read in FR that are valid in a "
      f"French overseas department (Covage's convention: 0692417900 is Réunion's)")
for kind, n in kinds.most_common():
    print(f"  {kind}: {n}")
    for e in examples[kind]:
        print(f"    {e}")
if regions:
    print("  by the number's region: " + ", ".join(f"{r} {n}" for r, n in regions.most_common(15)))
print(f"tables vs rlibphonenumber: {total - len(table_vs_library)} agree, {len(table_vs_library)} disagree")
for e in table_vs_library[:12]:
    print(f"    {e}")
sys.exit(0 if bad <= args.max_mismatch * total and not table_vs_library else 1)
