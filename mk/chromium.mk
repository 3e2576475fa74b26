# Headless Chromium, from Debian's packages, renders `status -o svg` in
# internal/health's browser test. A no-op once installed.
.PHONY: chromium
chromium:
	@command -v chromium-headless-shell >/dev/null 2>&1 || command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium-headless-shell from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium-headless-shell fonts-dejavu-core; }
