#!/usr/bin/env bash
# Nightly backup: a PostgreSQL dump and the media folder (photos), kept 14 days.
# Run by fieldreport-backup.timer as the fieldreport user; DATABASE_URL from /srv/fieldreport/.env.
set -euo pipefail
set -a; . /srv/fieldreport/.env; set +a
DEST=${BACKUP_DIR:-/srv/fieldreport/backups}
STAMP=$(date +%Y%m%d-%H%M)
MEDIA_DIR=${MEDIA_DIR:-data/media}
mkdir -p "$DEST"
pg_dump --format=custom --no-owner --dbname="${DATABASE_URL}" --file="$DEST/db-$STAMP.dump"
tar -C "$(dirname "$MEDIA_DIR")" -czf "$DEST/media-$STAMP.tar.gz" "$(basename "$MEDIA_DIR")"
find "$DEST" -type f -mtime +14 -delete
