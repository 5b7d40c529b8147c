"""The Anthropic Messages face in core: the field table, request and reply translation, stream events, planning."""
