"""Framing an ML project before any model: rules or learning, buy or build, readiness, the business model canvas, personal data."""
