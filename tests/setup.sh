#!/usr/bin/env bash
# Installs what the test suite needs beyond the Python test extra. Safe to run twice.
# Debian packages (only where missing): chromium + chromium-driver (browser tests),
# poppler-utils (pdftoppm/pdftotext), fonts-noto-cjk (Korean PDFs), zbar-tools (reads QR codes).
# npm (tests/js): the independent GIFT parser and axe-core (accessibility checks).
# PyTorch 2.13.0 CPU: independent key checks.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
py="${PYTHON:-}"
if [ -z "$py" ]; then
  if [ -x "$here/../.venv/bin/python" ]; then py="$here/../.venv/bin/python"; else py="$(command -v python3)"; fi
fi

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "setup.sh: please install: ${need[*]} (tests that need them will be skipped)" >&2
  fi
fi

if [ -f "$here/js/package.json" ] && command -v npm >/dev/null 2>&1; then
  (cd "$here/js" && { npm ci --silent --no-audit --no-fund 2>/dev/null || npm install --silent --no-audit --no-fund; })
fi

"$py" -c "import torch" 2>/dev/null || "$py" -m pip install -q "torch==2.13.0" \
  || echo "setup.sh: PyTorch not installed; the independent key checks will be skipped" >&2
