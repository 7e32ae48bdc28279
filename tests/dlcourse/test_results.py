"""Records of measured results, the comparison tables and the reproduction page."""
from __future__ import annotations

import json
import re

import pytest

from dlcourse import report
from dlcourse.results import FIELDS, find_record, load_records, make_record, save_record
from dlcourse.sources import SOURCES, Source, citation


def _record(**overrides):
    values = dict(experiment="fashion_adam", metric="val_accuracy", values=[0.87, 0.88, 0.86],
                  seeds=[42, 1, 2], profile="full", epochs_run=[5, 5, 5], seconds=12.3,
                  reference=0.8782, reference_source="post")
    values.update(overrides)
    args = {k: values.pop(k) for k in ("experiment", "metric", "values")}
    return make_record(args["experiment"], args["metric"], args["values"], **values)


def test_record_has_every_field_and_its_statistics():
    record = _record()
    assert set(record) == set(FIELDS)
    assert record["mean"] == pytest.approx(0.87)
    assert record["std"] == pytest.approx(0.01)
    assert record["versions"]["keras"].startswith("3.")


def test_save_replaces_the_same_key_and_keeps_others(tmp_path):
    path = tmp_path / "r.json"
    save_record(_record(), path)
    save_record(_record(metric="val_loss", values=[0.3]), path)
    save_record(_record(values=[0.5, 0.5]), path)
    records = load_records(path)
    assert len(records) == 2
    assert find_record(records, "fashion_adam", "val_accuracy")["mean"] == 0.5
    assert json.loads(path.read_text()) == records
    assert not list(tmp_path.glob("*.tmp")), "temporary files left behind"


def test_incomplete_record_is_refused(tmp_path):
    record = _record()
    del record["seeds"]
    with pytest.raises(ValueError, match="seeds"):
        save_record(record, tmp_path / "r.json")


@pytest.mark.parametrize("values, expected", [([0.88, 0.87, 0.885], "agrees"),
                                              ([0.80, 0.801, 0.799], "lower by 0.078"),
                                              ([0.95], "higher by 0.072")])
def test_verdict_compares_with_the_spread(values, expected):
    assert report.verdict(_record(values=values), 0.8782).replace(report.NBSP, " ") == expected


def test_table_shows_reference_full_and_this_build():
    _, experiment, metric, label = next(item for item in report.table_items()
                                        if report.references(*item[1:3]))
    (value, source), *_ = report.references(experiment, metric)
    records = [_record(experiment=experiment, metric=metric,
                       values=[value - 0.01, value, value + 0.01])]
    table = report.markdown_table([(experiment, metric, label)],
                                  {(experiment, metric): 0.8123}, records=records)
    *_, row, _, sources = table.splitlines()
    row = row.replace(report.NBSP, " ")
    assert row.startswith(f"| {label} | {metric} | {value:.4f} [1]")
    assert f"{value:.4f} ± 0.0100 (n=3)" in row and "0.8123" in row and "agrees" in row
    short = SOURCES[source].short
    assert short not in row and sources.startswith(f"References: [1] {short}.")
    assert "Full profile recorded with Keras" in sources


def test_each_source_is_named_once_per_table():
    items = list(report.table("cifar10"))
    table = report.markdown_table(items, records=[])
    for source in {src for e, m, _ in items for _, src in report.references(e, m)}:
        assert table.count(SOURCES[source].short) == 1, source


@pytest.mark.parametrize("b_values, expected", [([0.50, 0.51, 0.52], "within"),
                                                ([0.40, 0.41, 0.42], "beyond")])
def test_a_difference_says_whether_it_is_within_the_seeds_spread(b_values, expected):
    records = [_record(experiment="x", values=[0.515, 0.52, 0.53]),
               _record(experiment="y", values=b_values)]
    text = report.difference_text("x", "y", records[0]["metric"], records=records)
    assert f"{expected} the spread of their 3 and 3 seeds" in text, text


def test_reproduction_page_is_up_to_date():
    assert report.PAGE_PATH.read_text() == report.reproduction_page(), (
        "book/reproduction.md is stale: run `python -m dlcourse.report`")


def test_reproduction_page_lists_every_reference_number():
    from dlcourse.experiments import load_all

    shown = {(experiment, metric) for _, experiment, metric, _ in report.table_items()}
    declared = {(e.id, metric) for e in load_all().values() for metric in e.references}
    assert declared and not declared - shown, f"references no chapter shows: {declared - shown}"
    page = report.reproduction_page()
    for e in load_all().values():
        for value, source in (ref for refs in e.references.values() for ref in refs):
            assert f"{value:.4f}{report.NBSP}[" in page and f"] {SOURCES[source].short}." in page, \
                (e.id, value)
            assert page.count(citation(source)) == 1, f"{source} is not cited once in full"


def test_the_chapters_are_the_toc_pages_that_have_experiments():
    import yaml

    from dlcourse.experiments import TOC, chapters, load_all

    toc = yaml.safe_load(TOC.read_text())
    entries = toc.get("chapters", []) + [c for part in toc.get("parts", []) for c in part["chapters"]]
    pages = [entry["file"].removeprefix("book/") for entry in entries]
    assert list(chapters()) == [page for page in pages if page in chapters()]
    # A page of a later part (the guides) is no chapter, and no chapter is left out.
    assert "guides/students" in pages and not any("/" in chapter for chapter in chapters())
    assert set(chapters()) == {page for page in pages if (TOC.parent / "dlcourse" / "experiments"
                                                          / f"{page}.py").exists()}
    assert set(chapters()) == {e.chapter for e in load_all().values()}


def test_an_experiment_shows_only_what_it_records_and_references_only_what_it_shows():
    from dlcourse.experiments import Experiment

    with pytest.raises(ValueError, match="must be shown"):
        Experiment(id="x", label="x", settings_key="mnist_lr", run=None, metrics=("a",),
                   shown=("a",), chapter="c", references={"b": [(1.0, "geron2019")]})
    with pytest.raises(ValueError, match="recorded"):
        Experiment(id="x", label="x", settings_key="mnist_lr", run=None, metrics=("a",),
                   shown=("b",), chapter="c")


def test_every_experiment_has_a_full_profile_record_with_its_seeds():
    """Every experiment id the chapters use has a full-profile record of every metric,
    measured with all the seeds the full profile asks for (at least 3 everywhere), on
    the default backend, and each seed's per-epoch curves beside it."""
    from dlcourse import backend
    from dlcourse.experiments import load_all
    from dlcourse.profiles import Profile
    from dlcourse.results import load_histories

    records, full = load_records(), Profile("full")
    problems = []
    for experiment in load_all().values():
        seeds = list(full.settings(experiment.settings_key).seeds)
        if len(seeds) < 3:
            problems.append(f"{experiment.settings_key}: {len(seeds)} full-profile seeds, not 3")
        for metric in experiment.metrics:
            record = find_record(records, experiment.id, metric, "full")
            if record is None:
                problems.append(f"{experiment.id} {metric}: no full-profile record")
            elif record["seeds"] != seeds or len(record["values"]) != len(seeds):
                problems.append(f"{experiment.id} {metric}: seeds {record['seeds']}, not {seeds}")
            elif record["versions"].get("backend") != backend.DEFAULT:
                problems.append(f"{experiment.id} {metric}: recorded on "
                                f"{record['versions'].get('backend', 'tensorflow')}")
        curves = load_histories(experiment.id)
        if sorted(curves) != sorted(seeds) or not all(h.get("loss") for h in curves.values()):
            problems.append(f"{experiment.id}: curves of seeds {sorted(curves)}, not {seeds}")
    assert not problems, ("run `python -m dlcourse.reproduce --profile full --force ID` and commit "
                          "book/results/:\n" + "\n".join(problems))


def test_the_runs_kept_per_backend_have_what_the_cifar10_chapter_reads():
    """book/results/backends.json (benchmarks/softmax_loss_backends.py --record): every
    run names how it was made and has its curves and its early-stopping epoch."""
    import json

    from dlcourse.results import RESULTS_DIR

    runs = json.loads((RESULTS_DIR / "backends.json").read_text())
    assert {r["order"].split()[0] for r in runs} >= {"repeated", "reshuffled"}
    for run in runs:
        for key in ("backend", "seed", "same_start", "course_path", "order"):
            assert key in run, f"a kept run has no {key!r}: {sorted(run)}"
        best = run["best_epoch"]["keras_val_loss"]
        assert 1 <= best <= len(run["rows"])
        assert run["val_accuracy_at_best"]["keras_val_loss"] == run["rows"][best - 1]["val_accuracy"]
        assert [row["epoch"] for row in run["rows"]] == list(range(1, len(run["rows"]) + 1))
        assert all({"val_accuracy", "train_loss", "keras_val_loss"} <= set(row) for row in run["rows"])


def test_reproduce_records_the_seeds_it_is_given(tmp_path):
    """``--seeds`` (a spread for a comparison between backends) replaces the profile's
    seeds, and the record says which ran."""
    from dlcourse import reproduce
    from dlcourse.experiments.learning_rate import experiment_id

    out, experiment = tmp_path / "records.json", experiment_id(1e-4)  # seconds, one id
    assert reproduce.main(["--profile", "quick", "--seeds", "3,4", "--output", str(out),
                           experiment]) == 0
    record = find_record(load_records(out), experiment, "test_accuracy", "quick")
    assert record["seeds"] == [3, 4] and len(record["values"]) == 2, record
    # Each seed's curves, one value per epoch, beside the records.
    from dlcourse.results import histories_path, load_histories
    curves = load_histories(experiment, "quick", out)
    assert sorted(curves) == [3, 4] and histories_path(experiment, "quick", out).parent == tmp_path / "histories"
    for seed, history in curves.items():
        assert {"loss", "accuracy"} <= set(history), history
        assert all(len(values) == record["epochs_run"][0] for values in history.values())


def test_the_recorded_curves_are_drawn_as_a_band_over_seeds(tmp_path, monkeypatch):
    """plot_recorded: the mean over the seeds that reached each epoch (early stopping
    ends seeds at different epochs), between the lowest and the highest seed."""
    import matplotlib
    matplotlib.use("Agg")
    from dlcourse import plotting, results

    epochs, mean, low, high = plotting.seed_band([[1.0, 2.0, 3.0], [3.0, None], [2.0]])
    assert list(epochs) == [1, 2, 3]
    assert list(mean) == [2.0, 2.0, 3.0] and list(low) == [1.0, 2.0, 3.0] and list(high) == [3.0, 2.0, 3.0]
    records = tmp_path / "records.json"
    results.save_histories("exp", "full", [1, 2], [{"val_loss": [2.0, 1.0]}, {"val_loss": [3.0, 2.0]}],
                           records)
    monkeypatch.setattr(results, "RESULTS_PATH", records)
    monkeypatch.setattr(results.load_histories, "__defaults__", ("full", records))
    ax = plotting.plot_recorded({"a": "exp"}, "val_loss", build={"a": {"val_loss": [2.5]}},
                                build_label="this build")
    lines = {line.get_label(): list(line.get_ydata()) for line in ax.get_lines()}
    assert lines["a (full, 2 seeds)"] == [2.5, 1.5]
    assert "this build" in lines and len(ax.collections) == 1  # the band


def test_a_table_drops_the_columns_with_no_value_in_any_row():
    """Without a published reference or this build's number in any row, their columns
    (all dashes) would only widen the table; a column with one value stays."""
    _, experiment, metric, label = next(item for item in report.table_items()
                                        if not report.references(*item[1:3]))
    records = [_record(experiment=experiment, metric=metric, values=[0.5, 0.51, 0.52])]
    header, *_ = report.markdown_table([(experiment, metric, label)], records=records).splitlines()
    assert header == "| experiment | metric | full profile: mean ± std (n) |", header
    header, *_ = report.markdown_table([(experiment, metric, label)], {(experiment, metric): 0.5},
                                       records=records).splitlines()
    assert "this build (quick)" in header and "reference" not in header, header
    assert report.table_lines(["a", "b"], [["1", "–"], ["–", "–"]]) == ["| a |", "| --- |", "| 1 |", "| – |"]


def test_a_reference_number_names_a_source_the_book_cites_in_full():
    from dlcourse.experiments import Experiment

    with pytest.raises(ValueError, match="not in dlcourse.sources"):
        Experiment(id="x", label="x", settings_key="mnist_lr", run=None, metrics=("a",),
                   shown=("a",), chapter="c", references={"a": [(1.0, "a blog somewhere")]})
    with pytest.raises(ValueError, match="says why"):
        Source("x", None, "A post", "blog post")          # no author, no link, no reason
    for key, source in SOURCES.items():
        assert source.author and source.url or source.note, key


@pytest.mark.parametrize("page", ["data", "learning_rate", "optimizers", "schedules",
                                  "initialization", "regularization", "cifar10"])
def test_each_chapter_ends_with_its_references_each_cited_once(page, root):
    from dlcourse.experiments import chapters

    source = (root / "book" / f"{page}.md").read_text()
    call = re.search(r'^## References\n\n```\{code-cell\} ipython3\n:tags: \[remove-input\]\n'
                     r'from dlcourse.report import show_references\n'
                     r'show_references\("(\w+)"((?:, "\w+")*)\)\n```\s*$', source, flags=re.M)
    assert call and call.group(1) == page, f"book/{page}.md does not end with its References cell"
    listed = report.references_markdown(page, *re.findall(r'"(\w+)"', call.group(2)))
    keys = report.chapter_sources(page, *re.findall(r'"(\w+)"', call.group(2)))
    assert len(keys) == len(set(keys)) == listed.count("\n- ") + 1
    if page in chapters():
        tables = {s for e, m, _ in report.table(page) for _, s in report.references(e, m)}
        assert tables <= set(keys), f"{page}: its table cites {tables - set(keys)} without a reference"
