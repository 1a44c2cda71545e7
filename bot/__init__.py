"""Samen voor Elkaar: the citizen initiative platform as a Telegram bot with a public website."""
