"""sanitizers: finds sanitizer reports in process logs. A build with XR_SANITIZE writes them to the process's
stderr (our logs): an error when it happens, a leak when the process exits cleanly (SIGTERM)."""
import os

MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
           "SUMMARY: UndefinedBehaviorSanitizer")


def reports(directory):
    """Lines of every *.log file in directory that start a sanitizer report, as 'file: line'."""
    out = []
    for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
        if name.endswith(".log"):
            with open(os.path.join(directory, name), errors="replace") as fh:
                out += [f"{name}: {line.rstrip()}" for line in fh if any(m in line for m in MARKERS)]
    return out
