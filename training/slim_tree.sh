#!/usr/bin/env bash
# Lets this checkout travel to a GPU machine that takes a small working tree (tracked files plus untracked,
# unignored ones; the machine this project is lent takes 64 MiB, and the repository's tracked files are 86 MiB).
#   bash training/slim_tree.sh on    only training/ stays in the index; everything else is ignored (no file on
#                                    disk is touched), so a run sends training/ plus the ignored paths it names
#                                    (.data/faces64.npz, a generator); prints what would travel
#   bash training/slim_tree.sh off   the index back from HEAD, the ignore lines removed
# Never commit between `on` and `off`: the index then says every other file is deleted.
set -euo pipefail
cd "$(dirname "$0")/.."
exclude=$(git rev-parse --git-path info/exclude)
begin='# training/slim_tree.sh: begin'
end='# training/slim_tree.sh: end'

drop_block() {
  [ -f "$exclude" ] || return 0
  awk -v b="$begin" -v e="$end" '$0 == b { skip = 1; next } $0 == e { skip = 0; next } !skip' "$exclude" > "$exclude.tmp"
  mv "$exclude.tmp" "$exclude"
}

case "${1:-}" in
  on)
    if ! git diff --cached --quiet; then
      echo "slim_tree: the index has staged changes; commit or unstage them first" >&2
      exit 1
    fi
    drop_block
    git rm -r -q --cached -- . ':(exclude)training'
    mkdir -p "$(dirname "$exclude")"
    printf '%s\n/*\n!/training/\n%s\n' "$begin" "$end" >> "$exclude"
    tracked=$( (git ls-files -z; git ls-files -z --others --exclude-standard) | xargs -0 -r cat | wc -c)
    echo "slim_tree: on; ${tracked} bytes travel besides the carried paths ($(git ls-files | wc -l) tracked files," \
         "$(git ls-files --others --exclude-standard | wc -l) untracked)"
    ;;
  off)
    git reset -q
    drop_block
    echo "slim_tree: off; $(git ls-files | wc -l) files tracked again"
    ;;
  *)
    echo "usage: training/slim_tree.sh on|off" >&2
    exit 2
    ;;
esac
