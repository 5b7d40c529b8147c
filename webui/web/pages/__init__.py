"""The HTML tabs: one module per page, plus their layout and form helpers."""
