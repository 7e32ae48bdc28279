# ---
# case = "forge_cell_error"
# attack = """
# A forged cell error (which feedback would show) written on every descriptor after
# the cells ran: ignored. Full points, no cell error."""
# points = 8  # of 8: every test passes
# cell_errors = []  # the cell errors the gradebook records
# ---
# %% answer_cosine_decay_restarts
import math

import json, os
def cosine_decay_restarts(step):
    # Forge a "cell error" (which feedback shows) carrying the input, then answer right.
    for fd in range(3, 64):
        try:
            os.write(fd, (json.dumps({"event": "cell_error", "cell": "LEAK", "error": f"LEAK {step}"}) + "\n").encode())
        except OSError:
            pass
    period, start = 1000, 0
    while step >= start + period:
        start += period
        period *= 2
    return 0.01 * 0.5 * (1 + math.cos(math.pi * (step - start) / period))

