"""Running Sunshine 365 for years: backups, restores, schema migrations and the scheduled backup."""
