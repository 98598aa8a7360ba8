"""`fieldreport serve`: one aiohttp application for webhooks, health and downloads."""
