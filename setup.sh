#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (network allowed then,
# never at grading time). The source is in /autograder/source.
set -euo pipefail
source_dir=/autograder/source
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3.11 python3.11-venv
python3.11 -m venv "$source_dir/.venv"
# The CPU build of torch: the default wheel would pull several GB of CUDA libraries.
"$source_dir/.venv/bin/pip" install --no-cache-dir --upgrade pip
"$source_dir/.venv/bin/pip" install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu \
    -r "$source_dir/requirements.txt"
# Student code runs as this user (see the README's threat model).
id -u student >/dev/null 2>&1 || useradd --no-create-home --shell /usr/sbin/nologin student
# Bake the data in now: importing the loaders reads only files shipped inside packages.
"$source_dir/.venv/bin/python" -c "import sys; sys.path.insert(0, '$source_dir/student_template'); import data; data.load_mnist('train'); data.load_digits196('test')"
