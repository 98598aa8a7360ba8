"""The product: platform-neutral dialogs and commands (no telegram, aiohttp or openpyxl here)."""
