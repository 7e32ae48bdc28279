#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder's image (Ubuntu, as root):
# the system packages the grader needs, then the course's environment, as `make install`
# makes it (in /autograder/source/.venv).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3-venv python3-pip bubblewrap make
cd /autograder/source
make install
# The model assignments also read the datasets: Keras downloads them into ~/.keras on
# first use (Gradescope's image has internet), or set DLCOURSE_DATA_DIR to a copy.
