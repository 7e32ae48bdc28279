#!/usr/bin/env bash
# Grade a whole class on Slurm: an array of N shards, then their merge once every task
# has ended well (a dependency, so it waits in the queue, not in a shell).
#
#   deploy/slurm/grade-class.sh ASSIGNMENT SUBMITTED OUT N [sbatch options...]
#
# The class's gradebook is in OUT/class when the merge job ends; when SUBMITTED is the
# submitted/ of an nbgrader course directory with a gradebook.db, the merge also writes
# the grades into it (as `python -m grader grade` does by default).
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 ASSIGNMENT SUBMITTED OUT N [sbatch options...]" >&2
  exit 2
fi
assignment=$1 submitted=$2 out=$3 shards=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
array=$(sbatch --parsable --array="1-$shards" --output="$out/grade-%A_%a.log" "$@" \
        "$here/grade.sbatch" "$assignment" "$submitted" "$out" "$shards")
merge_command="${PYTHON:-python} -m grader merge"
for k in $(seq 1 "$shards"); do merge_command+=" $(printf '%q' "$out/shard-$k")"; done
merge_command+=" --out $(printf '%q' "$out/class")"
course=$(cd "$submitted/.." && pwd)
if [ -f "$course/nbgrader_config.py" ] && [ -f "$course/gradebook.db" ]; then
  merge_command+=" --nbgrader-db $(printf '%q' "sqlite:///$course/gradebook.db")"
fi
merge=$(sbatch --parsable --dependency="afterok:$array" --job-name=grade-merge \
        --output="$out/merge-%j.log" "$@" --wrap="$merge_command")
echo "array job $array, merge job $merge; the gradebook will be in $out/class"
