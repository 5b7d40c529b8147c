"""Roles & Chat tab: form routes (no-JS path) and the page context."""

from flask import Blueprint

bp = Blueprint("roles_ui", __name__)
