"""The summary of a bench script's rounds: each engine's median over the
rounds of its per-round medians, and the median of each round's ratio to
amae's time (a round's engines ran back to back, so its ratio is what the
drift of a shared machine spares).

    rounds_summary.py ROUNDS "AMAE_MS..." NAME="MS..." [NAME="MS..."]

Each MS list is space-separated, one per round; NAME is how the engine is
printed (pytorch, onnxruntime); an empty list leaves that engine out."""
import statistics as st
import sys

rounds, amae = sys.argv[1], [float(x) for x in sys.argv[2].split()]
others = []
for arg in sys.argv[3:]:
    name, _, values = arg.partition("=")
    if values.split():
        others.append((name, [float(x) for x in values.split()]))
print("over %s rounds: amae median %.1f ms%s" % (
    rounds, st.median(amae), "".join(", %s %.1f ms" % (n, st.median(t)) for n, t in others)))
for name, times in others:
    ratios = [t / a for a, t in zip(amae, times)]
    print("ratio %s/amae (median of the rounds): %.2f (rounds: %s)" %
          (name, st.median(ratios), " ".join("%.2f" % r for r in ratios)))
