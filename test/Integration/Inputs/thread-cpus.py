"""Reads libomp's OMP_DISPLAY_AFFINITY lines ("OMP: pid P tid T thread N
bound to OS proc set {S}") from stdin and checks that threads 0 and 1 ran
on different CPU sets (`distinct`) or on the same one (`shared`)."""
import re
import sys

sets = {}
for line in sys.stdin:
    m = re.search(r"thread (\d+) bound to OS proc set \{?([0-9,\- ]+)\}?", line)
    if m:
        sets.setdefault(int(m.group(1)), m.group(2).strip())
if 0 not in sets or 1 not in sets:
    sys.exit("expected threads 0 and 1 in the affinity report, got %s" % sets)
same = sets[0] == sets[1]
want = sys.argv[1]
if (want == "shared") != same:
    sys.exit("threads 0 and 1 bound to %s and %s, expected %s CPUs" % (sets[0], sets[1], want))
print("threads 0 and 1: %s / %s" % (sets[0], sets[1]))
