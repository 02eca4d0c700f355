#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (network allowed then,
# never at grading time). The source is in /autograder/source.
set -euo pipefail
source_dir=/autograder/source
# Ubuntu 22.04's own python3.11 package is a release candidate (3.11.0~rc1); the deadsnakes
# archive builds released CPython 3.11 for it, installed system-wide (/usr/bin), where the
# unprivileged user that runs student code can read it.
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends software-properties-common gpg-agent
add-apt-repository -y ppa:deadsnakes/ppa
apt-get update
apt-get install -y --no-install-recommends python3.11 python3.11-venv
python3.11 -c 'import sys; assert sys.version_info.releaselevel == "final", sys.version'
python3.11 -m venv "$source_dir/.venv"
# The CPU builds of torch and torchvision from torch's own index: the default wheels would pull
# several GB of CUDA libraries, and PyPI's torchvision does not load with the CPU torch.
# torchvision is for course templates that import it; the grading tests never need it.
"$source_dir/.venv/bin/pip" install --no-cache-dir --upgrade pip
"$source_dir/.venv/bin/pip" install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu \
    -r "$source_dir/requirements.txt" torchvision==0.28.0
# The harness's bytecode, compiled once: the grading process and the workers run with
# PYTHONDONTWRITEBYTECODE and would otherwise compile it from source on every run.
"$source_dir/.venv/bin/python" -m compileall -q "$source_dir/autograder"
# Student code runs as this user (see the README's threat model).
id -u student >/dev/null 2>&1 || useradd --no-create-home --shell /usr/sbin/nologin student
# Bake the data in now: importing the loaders reads only files shipped inside packages.
"$source_dir/.venv/bin/python" -c "import sys; sys.path.insert(0, '$source_dir/student_template'); import data; data.load_mnist('train'); data.load_digits196('test')"
