"""Checks that every amae op has a round-trip test and every numbered
constraint an error test.

Usage: check-coverage.py DIALECT_DIR TEST_DIR
- each `def Amae_XOp : Amae_Op<"mnemonic"` must appear as `amae.mnemonic` in a
  round-trip test (a test/Dialect/*.mlir that is not *-errors.mlir);
- each `(name_cN)` listed in an op description must appear as a `// name_cN`
  comment in a *-errors.mlir and be cited by the verifier sources.
"""
import pathlib
import re
import sys

dialect, tests = map(pathlib.Path, sys.argv[1:3])
ods = "".join(p.read_text() for p in sorted(dialect.glob("*.td")))
sources = "".join(p.read_text() for p in sorted(dialect.glob("*.cpp")))
mnemonics = re.findall(r'Amae_Op<"([a-z_0-9]+)"', ods)
constraints = sorted(set(re.findall(r"\(([a-z_0-9]+_c[0-9]+)\)", ods)))

round_trips = "".join(p.read_text() for p in tests.glob("*.mlir")
                      if not p.name.endswith("-errors.mlir"))
errors = "".join(p.read_text() for p in tests.glob("*-errors.mlir"))

problems = []
for m in mnemonics:
    if not re.search(r"amae\.%s\b" % m, round_trips):
        problems.append("op amae.%s has no round-trip test" % m)
for c in constraints:
    if not re.search(r"^// %s$" % c, errors, re.M):
        problems.append("constraint %s has no error test" % c)
    if not re.search(r'"%s"' % c, sources):
        problems.append("constraint %s is not cited by a verifier" % c)

for p in problems:
    print(p)
print("%d ops, %d constraints, %d problems" % (len(mnemonics), len(constraints), len(problems)))
sys.exit(1 if problems else 0)
