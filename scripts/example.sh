#!/usr/bin/env bash
# Quick start 1: build bertcpp and run the tweet classifier on the bundled model and data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh bertcpp_cli_tool  # only what the example needs: the Python module and the CLI
exec .venv/bin/python examples/classify_tweets.py "$@"
