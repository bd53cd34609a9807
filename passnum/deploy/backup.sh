#!/bin/sh
# Back up Pass numérique: the PostgreSQL database (pg_dump, custom format) and the private
# files (MEDIA_ROOT: print runs, statements, agreements, reports), with their checksums.
#   DATABASE_URL=postgres://... PASSNUM_MEDIA_ROOT=/app/var/media passnum/deploy/backup.sh DIR
# NOT in the backup, on purpose: PASSNUM_CHEQUE_CODE_KEY (keep it apart, README).
set -eu
DIR="${1:?usage: backup.sh DIRECTORY}"
: "${DATABASE_URL:?set DATABASE_URL (PostgreSQL)}"
case "$DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "backup.sh: PostgreSQL only" >&2; exit 2 ;; esac
MEDIA="${PASSNUM_MEDIA_ROOT:-var/media}"
umask 077
mkdir -p "$DIR"
pg_dump --format=custom --no-owner --no-privileges --file="$DIR/passnum.dump" "$DATABASE_URL"
if [ -d "$MEDIA" ]; then
  tar -C "$MEDIA" -czpf "$DIR/media.tar.gz" .
else
  tar -czf "$DIR/media.tar.gz" -T /dev/null
fi
(cd "$DIR" && sha256sum passnum.dump media.tar.gz > SHA256SUMS)
echo "Sauvegarde écrite dans $DIR (base, fichiers, SHA256SUMS). La clé PASSNUM_CHEQUE_CODE_KEY se garde à part."
