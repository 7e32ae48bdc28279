# ---
# case = "escape_attempts"
# attack = """
# Mount, unmount, write outside the scratch folder, read the machine's /etc, look for
# capabilities and root: each refused by the sandbox (its cell checks them all, a cell
# error if one succeeds). Full points."""
# points = 8  # of 8: every test passes
# cell_errors = []  # the cell errors the gradebook records
# ---
# %% @setup

import ctypes, os
# No capability is left after the boot mounted the scratch tmpfs: no mount, no write
# outside the scratch folder, and /etc holds only the sandbox's own few files.
caps = {l.split(":")[0]: int(l.split()[1], 16) for l in open("/proc/self/status") if l.startswith("Cap")}
assert not any(caps.values()), caps
libc = ctypes.CDLL(None, use_errno=True)
assert libc.mount(b"tmpfs", b"/runtime", b"tmpfs", 0, None) != 0, "mounted"
assert libc.umount2(b"/scratch", 2) != 0, "unmounted"
for path in ("/x", "/etc/x", "/usr/x", "/runtime/x", "/snapshot/x", "/proc/x"):
    try:
        open(path, "w")
    except OSError:
        pass
    else:
        raise AssertionError(f"wrote {path}")
assert "root:x:0:0:root" not in open("/etc/passwd").read()
assert not any(os.path.exists(f"/etc/{n}") for n in ("shadow", "hostname", "machine-id", "ssh", "apt"))
assert os.getcwd() == "/scratch/submission" and os.geteuid() != 0

