"""Adapters and wiring: Telegram, Zalo, scheduler, web server, settings, CLI."""
