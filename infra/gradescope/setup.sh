#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image, with the archive
# unzipped in /autograder/source. Made by `autograder gradescope` for @ASSIGNMENT@ (infra/README.md).
#
# - @SANDBOX_VENV@: the sandbox's Python, which runs student code as another uid; exactly
#   the packages of sandbox-requirements.txt, readable by every user;
# - /autograder/source/.venv: the grader's Python, the course kit and its runtime dependencies;
# - @DATA_DIR@: Fashion-MNIST, if the assignment is graded on it; the test files root's alone.
#
# Both venvs install the bundled wheels (wheels/, pinned by constraints.txt); pip fetches from PyPI
# only what none of them fits. Last, /autograder/source is closed to everyone but root: it holds
# the reference solution, the hidden tests and the grader.
set -Eeuo pipefail
trap 'echo "setup.sh: failed: $BASH_COMMAND (exit status $?)" >&2' ERR
umask 022
cd /autograder/source

say() { echo "setup.sh: $*"; }
fail() { echo "setup.sh: error: $*" >&2; exit 1; }

command -v python3 >/dev/null || fail "the image has no python3: choose Gradescope's Ubuntu 24.04 base"
found="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || fail "python3 is $found, and the kit needs 3.11 or newer: choose Gradescope's Ubuntu 24.04 base" \
          "(Python 3.12) and make the archive with \`autograder gradescope @ASSIGNMENT@ --python 3.12\`"
if [ "$found" != "@PYTHON@" ]; then
  say "python3 is $found but the bundled wheels are for @PYTHON@: pip fetches the compiled ones from" \
      "PyPI (make the archive with --python $found to bundle them)"
fi

# make_venv FOLDER: a fresh venv with pip; installs python3-venv first where it is missing (Ubuntu).
make_venv() {
  rm -rf "$1"
  if ! python3 -m venv "$1" 2>/dev/null; then
    rm -rf "$1"
    say "python3 cannot make a venv here: installing python3-venv with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$1"
  fi
}

# pip_install VENV ARGUMENTS...: the bundled wheels first, at the versions of constraints.txt.
pip_install() {
  "$1/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
    --find-links wheels --constraint constraints.txt "${@:2}"
}

say "the sandbox's Python, in @SANDBOX_VENV@"
make_venv @SANDBOX_VENV@
pip_install @SANDBOX_VENV@ --requirement sandbox-requirements.txt
# pip and setuptools leave it: the sandbox holds the pinned packages alone.
@SANDBOX_VENV@/bin/python -m pip uninstall --yes --quiet pip setuptools 2>/dev/null

say "the grader's Python, in /autograder/source/.venv"
make_venv .venv
pip_install .venv wheels/@KIT_WHEEL@

if [ -d data ]; then
  say "Fashion-MNIST, in @DATA_DIR@ (the test files readable by root alone)"
  install -d -m 0755 @DATA_DIR@
  install -m 0644 data/train-*.gz @DATA_DIR@/
  install -m 0600 data/t10k-*.gz @DATA_DIR@/
fi

chmod -R go-rwx /autograder/source
say "done; /autograder/source is closed to everyone but root"
