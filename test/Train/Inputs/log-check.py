"""Checks on amae-train's log.jsonl.

  log-check.py falls LOG FRACTION     # mean of the last quarter of the losses (at most
                                      # 10) < FRACTION x the mean of the first quarter
  log-check.py same LOG_A LOG_B       # the same steps with bit-identical losses
  log-check.py accuracy LOG MIN       # the last held-out accuracy >= MIN
  log-check.py close LOG_A LOG_B RTOL # the same steps, learning rates and losses
                                      # within RTOL relative (reduction order)
"""
import json
import sys


def steps(path):
    return [r for r in map(json.loads, open(path)) if "loss" in r]


mode = sys.argv[1]
if mode == "falls":
    s = [r["loss"] for r in steps(sys.argv[2])]
    k = max(1, min(10, len(s) // 4))
    first, last, fraction = sum(s[:k]) / k, sum(s[-k:]) / k, float(sys.argv[3])
    print("loss %.6f -> %.6f over %d steps (%s %.2f x first)"
          % (first, last, len(s), "below" if last < fraction * first else "NOT below", fraction))
    sys.exit(0 if last < fraction * first else 1)
if mode == "same":
    a, b = steps(sys.argv[2]), steps(sys.argv[3])
    same = [x["step"] for x in a] == [y["step"] for y in b] and \
        all(x["loss"] == y["loss"] and x["lr"] == y["lr"] for x, y in zip(a, b))
    print("%d and %d steps, %s" % (len(a), len(b), "identical losses" if same else "DIFFERENT"))
    sys.exit(0 if same else 1)
if mode == "close":
    a, b, rtol = steps(sys.argv[2]), steps(sys.argv[3]), float(sys.argv[4])
    worst = max(abs(x["loss"] - y["loss"]) / abs(y["loss"]) for x, y in zip(a, b))
    same = [x["step"] for x in a] == [y["step"] for y in b] and \
        all(x["lr"] == y["lr"] for x, y in zip(a, b)) and worst <= rtol
    print("%d and %d steps, losses within %.1e relative (%s %.0e)"
          % (len(a), len(b), worst, "at most" if same else "NOT within", rtol))
    sys.exit(0 if same else 1)
if mode == "accuracy":
    evals = [r for r in map(json.loads, open(sys.argv[2])) if "eval_accuracy" in r]
    acc, minimum = evals[-1]["eval_accuracy"], float(sys.argv[3])
    print("held-out accuracy %.4f (%s %.2f)" % (acc, "at least" if acc >= minimum else "BELOW", minimum))
    sys.exit(0 if acc >= minimum else 1)
sys.exit("unknown mode " + mode)
