"""Run experiments in a profile and record their results for the reproduction table.

    python -m dlcourse.reproduce --profile full               # everything not yet recorded
    python -m dlcourse.reproduce --profile full fashion_ mnist_rmsprop_lr_0.5 --force

Each experiment runs once per seed of its profile settings; its records and its seeds'
curves (``histories/``) are written as soon as it finishes, so an interrupted run keeps
what it finished.
"""
from __future__ import annotations

import argparse
import sys
import time

from dlcourse.experiments import load_all
from dlcourse.profiles import Profile
from dlcourse.results import (RESULTS_PATH, find_record, load_records, make_record,
                              save_histories, save_record)


def run_experiment(experiment, profile: Profile, path=RESULTS_PATH, seeds=None) -> list[dict]:
    settings = profile.settings(experiment.settings_key, **({"seeds": tuple(seeds)} if seeds else {}))
    per_seed, started = [], time.perf_counter()
    for seed in settings.seeds:
        result = experiment.run(settings, seed)
        per_seed.append(result)
        shown = ", ".join(f"{m}={result[m]:.4f}" for m in experiment.metrics)
        print(f"  {experiment.id} seed {seed}: {shown} ({result['epochs_run']} epochs)",
              flush=True)
    seconds = time.perf_counter() - started
    save_histories(experiment.id, profile.name, settings.seeds,
                   [r.get("history", {}) for r in per_seed], path)
    records = []
    for metric in experiment.metrics:
        value, source = experiment.reference(metric)
        record = make_record(experiment.id, metric, [r[metric] for r in per_seed],
                             seeds=settings.seeds, profile=profile.name,
                             epochs_run=[r["epochs_run"] for r in per_seed], seconds=seconds,
                             reference=value, reference_source=source)
        save_record(record, path)
        records.append(record)
    return records


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="*", help="run only ids that start with one of these")
    parser.add_argument("--profile", default="full", choices=("quick", "full"))
    parser.add_argument("--force", action="store_true", help="re-run experiments already recorded")
    parser.add_argument("--list", action="store_true", help="list the experiment ids and stop")
    parser.add_argument("--output", default=str(RESULTS_PATH), help="the records file to update")
    parser.add_argument("--seeds", type=lambda text: [int(s) for s in text.split(",")],
                        help="comma-separated seeds instead of the profile's (for a spread)")
    args = parser.parse_args(argv)

    profile = Profile(args.profile)
    experiments = [e for e in load_all().values()
                   if not args.patterns or any(e.id.startswith(p) for p in args.patterns)]
    if args.list:
        print("\n".join(f"{e.id}  ({e.chapter})" for e in experiments))
        return 0
    for experiment in experiments:
        done = find_record(load_records(args.output), experiment.id, experiment.metrics[-1], profile.name)
        if done and not args.force:
            print(f"{experiment.id}: recorded already, skipped (--force re-runs it)")
            continue
        print(f"{experiment.id} ({profile.name} profile):", flush=True)
        run_experiment(experiment, profile, args.output, args.seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
