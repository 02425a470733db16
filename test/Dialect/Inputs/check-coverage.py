"""Checks that every amae op is tested at each level: round trip, lowering,
differentiation; and every numbered constraint has an error test.

Usage: check-coverage.py DIALECT_DIR TEST_DIR [PASSES_TEST_DIR VJPS_CPP GRADCHECK_MLIR]
- each `def Amae_XOp : Amae_Op<"mnemonic"` must appear as `amae.mnemonic` in a
  round-trip test (a test/Dialect/*.mlir that is not *-errors.mlir);
- each `(name_cN)` listed in an op description must appear as a `// name_cN`
  comment in a *-errors.mlir and be cited by the verifier sources;
- with the last three arguments, each op must appear in a lowering test (a
  test/Passes/*.mlir that is not *-errors.mlir), and each op must either
  have a VJP (a `build(XOp op, ...)` in the VJP sources) and appear in the
  finite-difference gradcheck file, or say `Not differentiable:` (with the
  reason) in its description, and not both.
"""
import pathlib
import re
import sys

dialect, tests = map(pathlib.Path, sys.argv[1:3])
deep = len(sys.argv) == 6
ods = "".join(p.read_text() for p in sorted(dialect.glob("*.td")))
sources = "".join(p.read_text() for p in sorted(dialect.glob("*.cpp")))
ops = re.findall(r'def Amae_(\w+)Op : Amae_Op<"([a-z_0-9]+)"', ods)
mnemonics = [m for _, m in ops]
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

if deep:
    passes, vjps, gradcheck = map(pathlib.Path, sys.argv[3:6])
    lowering = "".join(p.read_text() for p in passes.glob("*.mlir")
                       if not p.name.endswith("-errors.mlir"))
    with_vjp = set(re.findall(r"build\((\w+)Op op", vjps.read_text()))
    checked = gradcheck.read_text()
    # An op's description runs from its def to the next def.
    bodies = dict(zip(mnemonics, re.split(r'def Amae_\w+Op : Amae_Op<', ods)[1:]))
    for name, m in ops:
        if not re.search(r"amae\.%s\b" % m, lowering):
            problems.append("op amae.%s has no lowering test" % m)
        says = "Not differentiable:" in bodies[m]
        if name in with_vjp:
            if says:
                problems.append("op amae.%s has a VJP but says it is not differentiable" % m)
            if not re.search(r"amae\.%s\b" % m, checked):
                problems.append("op amae.%s has a VJP and no gradcheck entry" % m)
        elif not says:
            problems.append("op amae.%s has no VJP and does not say 'Not differentiable:'" % m)

for p in problems:
    print(p)
print("%d ops, %d constraints, %d problems" % (len(mnemonics), len(constraints), len(problems)))
sys.exit(1 if problems else 0)
