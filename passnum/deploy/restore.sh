#!/bin/sh
# Restore a backup made by backup.sh into an EMPTY database and an empty MEDIA_ROOT.
#   DATABASE_URL=postgres://... PASSNUM_MEDIA_ROOT=/app/var/media passnum/deploy/restore.sh DIR
# The database must exist and hold no table (create it empty first); run as the tables'
# owner, then `python -m passnum.deploy.app_grants` for the application's role.
set -eu
DIR="${1:?usage: restore.sh DIRECTORY}"
: "${DATABASE_URL:?set DATABASE_URL (PostgreSQL)}"
MEDIA="${PASSNUM_MEDIA_ROOT:-var/media}"
(cd "$DIR" && sha256sum --check --quiet SHA256SUMS)
TABLES=$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$TABLES" != "0" ]; then
  echo "restore.sh: la base cible contient déjà $TABLES table(s) : restaurez dans une base vide." >&2
  exit 3
fi
if [ -d "$MEDIA" ] && [ -n "$(ls -A "$MEDIA" 2>/dev/null)" ]; then
  echo "restore.sh: $MEDIA n'est pas vide : restaurez les fichiers dans un dossier vide." >&2
  exit 3
fi
umask 077
pg_restore --exit-on-error --no-owner --no-privileges --dbname="$DATABASE_URL" "$DIR/passnum.dump"
mkdir -p "$MEDIA"
chmod 700 "$MEDIA"
tar -C "$MEDIA" -xzpf "$DIR/media.tar.gz"
echo "Restauration terminée depuis $DIR. Remettez PASSNUM_CHEQUE_CODE_KEY (la même) dans l'environnement."
