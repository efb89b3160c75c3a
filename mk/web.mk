# web: the softphone's JsSIP and the website's chat widget (widget.js, from
# agent_softphone/static/chat/), bundled with esbuild at set-up time (no CDN; the pages
# work offline). package-lock.json pins every version (axe-core: the widget's
# accessibility test); the output is git-ignored.
WEB_DIR := agent_softphone/web
JSSIP_BUNDLE := agent_softphone/static/vendor/jssip.js
WIDGET_BUNDLE := agent_softphone/static/vendor/widget.js
WIDGET_SOURCES := $(wildcard agent_softphone/static/chat/*.js)
SETUP_TARGETS += .stamps/web-jssip

.stamps/web-jssip: $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json $(WEB_DIR)/entry.js $(WIDGET_SOURCES) .stamps/apt
	cd $(WEB_DIR) && npm ci --no-audit --no-fund --loglevel=error
	cd $(WEB_DIR) && npm run --silent build
	test -s $(JSSIP_BUNDLE)
	test -s $(WIDGET_BUNDLE)
	@mkdir -p .stamps && touch $@
