# knowledge: `make run` answers from the demo cards until the city ingests its own
# (`guichet kb ingest DIR`); an existing index is never overwritten here.
KB_CARDS ?= knowledge/demo/cards

.PHONY: kb-index
kb-index: setup
	@if [ -e "$(GUICHET_HOME)/kb-index" ]; then \
		echo "knowledge index: $(GUICHET_HOME)/kb-index"; \
	else \
		$(BIN)/guichet kb ingest $(KB_CARDS); \
	fi
