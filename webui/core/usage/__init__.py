"""Cost and usage: prices, metering of one request, the usage ledger."""
