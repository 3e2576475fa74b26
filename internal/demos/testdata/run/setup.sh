#!/usr/bin/env bash
set -euo pipefail
echo setup ran > setup.out
