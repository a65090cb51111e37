#!/bin/sh
# The restore drill: restores a backup into a scratch folder, proves it, and says how long it took.
#
#   scripts/restore-drill.sh BACKUP.zip [CHECKPOINT.txt ...]
#
# Uses the installation's keys (CALLKEEP_DATA_DIR, or CALLKEEP_SECRET_KEY_FILE and the
# checkpoint.key beside it) and restores onto SQLite in a new temporary folder, so the running
# installation is never touched. Exit 0 only if the backup verifies, restores, and the restored
# ledger is intact and still holds every checkpoint named.
set -eu
backup=$1
shift
data=${CALLKEEP_DATA_DIR:-./data}
key=${CALLKEEP_SECRET_KEY_FILE:-$data/secret.key}
callkeep=${CALLKEEP:-callkeep}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/callkeep-drill.XXXXXX")
cp "$key" "$scratch/secret.key"
if [ -f "$(dirname "$key")/checkpoint.key" ]; then cp "$(dirname "$key")/checkpoint.key" "$scratch/"; fi
chmod 600 "$scratch"/*.key
now() { date +%s.%N; }
t0=$(now)
CALLKEEP_DATA_DIR=$scratch CALLKEEP_SECRET_KEY_FILE=$scratch/secret.key CALLKEEP_DATABASE_URL= \
  "$callkeep" backup restore "$backup"
t1=$(now)
if [ $# -gt 0 ]; then
  CALLKEEP_DATA_DIR=$scratch CALLKEEP_SECRET_KEY_FILE=$scratch/secret.key CALLKEEP_DATABASE_URL= \
    "$callkeep" audit verify --checkpoint "$@"
else
  CALLKEEP_DATA_DIR=$scratch CALLKEEP_SECRET_KEY_FILE=$scratch/secret.key CALLKEEP_DATABASE_URL= \
    "$callkeep" audit verify
fi
t2=$(now)
CALLKEEP_DATA_DIR=$scratch CALLKEEP_SECRET_KEY_FILE=$scratch/secret.key CALLKEEP_DATABASE_URL= \
  "$callkeep" lists status
echo "restore (verifies first): $(echo "$t1 - $t0" | bc) s; audit verify: $(echo "$t2 - $t1" | bc) s"
echo "restored into $scratch (remove it when done)"
