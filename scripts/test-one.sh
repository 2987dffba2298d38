#!/usr/bin/env bash
# Runs only the given test files (the mocha config would add every spec).
exec npx mocha --no-config --node-option import=tsx --timeout 600000 "$@"
