from autograder.harness.ratelimit import over_limit
from autograder.rubric import RateLimit

LIMIT = RateLimit(submissions=2, window_hours=24)


def metadata(created, *previous):
    return {"created_at": created,
            "previous_submissions": [{"submission_time": t, "score": s} for t, s in previous]}


def test_under_the_limit_is_graded():
    data = metadata("2026-11-20T12:00:00+00:00", ("2026-11-20T09:00:00+00:00", 3.0))
    assert over_limit(data, LIMIT) == (False, None)


def test_over_the_limit_carries_the_latest_previous_submission():
    data = metadata("2026-11-20T12:00:00+00:00", ("2026-11-20T08:00:00+00:00", 3.0),
                    ("2026-11-20T10:00:00.123456-01:00", 5.0), ("2026-11-20T12:30:00+00:00", 7.0))
    limited, previous = over_limit(data, LIMIT)
    assert limited and previous["score"] == 5.0  # 10:00-01:00 is 11:00 UTC; 12:30 came after this one


def test_window_is_rolling_and_counted_from_created_at_so_regrades_agree():
    first_day = metadata("2026-11-21T12:00:00Z", ("2026-11-20T11:59:00Z", 1.0), ("2026-11-21T10:00:00Z", 2.0))
    assert over_limit(first_day, LIMIT) == (False, None)       # the 11:59 one left the window
    later = dict(first_day, previous_submissions=first_day["previous_submissions"]
                 + [{"submission_time": "2026-11-22T09:00:00Z", "score": 9.0}])
    assert over_limit(later, LIMIT) == (False, None)           # a submission after this one does not count


def test_errored_and_carried_over_submissions_do_not_count():
    data = metadata("2026-11-20T12:00:00Z", ("2026-11-20T08:00:00Z", 3.0), ("2026-11-20T09:00:00Z", 0.0),
                    ("2026-11-20T10:00:00Z", 3.0))
    errored, carried = data["previous_submissions"][1], data["previous_submissions"][2]
    errored["autograder_error"] = True
    carried["results"] = {"score": 3.0, "extra_data": {"rate_limited": True}}
    assert over_limit(data, LIMIT) == (False, None)
    carried["results"] = {"score": 3.0}
    limited, previous = over_limit(data, LIMIT)
    assert limited and previous is carried


def test_missing_or_odd_metadata_never_blocks_grading():
    assert over_limit({}, LIMIT) == (False, None)
    assert over_limit({"created_at": "yesterday", "previous_submissions": "x"}, LIMIT) == (False, None)
    assert over_limit(metadata("2026-11-20T12:00:00Z", ("garbage", 1.0)), LIMIT) == (False, None)


def test_entrypoint_carries_the_previous_result_when_over_the_limit(tmp_path):
    import json

    from harness_tests.conftest import PROJECT, run_entrypoint

    rubric = tmp_path / "rubric.yaml"
    rubric.write_text((PROJECT / "rubric.yaml").read_text()
                      + "\nrate_limit:\n  submissions: 1\n  window_hours: 24\n")
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    # As Gradescope may have stored it: a status-only test, a string execution time, a
    # leaderboard, a key it ignores.
    previous = {"submission_time": "2026-11-20T09:00:00+00:00", "score": 42.0,
                "results": {"score": 42.0, "execution_time": "31", "max_score": 100,
                            "output": "earlier feedback",
                            "leaderboard": [{"name": "Accuracy", "value": 0.97, "order": "desc"}],
                            "tests": [{"name": "sigmoid", "number": "1.1", "score": 1.0,
                                       "max_score": 1.0}, {"name": "style", "status": "passed"}]}}
    (root / "submission_metadata.json").write_text(json.dumps(
        {"created_at": "2026-11-20T10:00:00+00:00", "previous_submissions": [previous]}))
    finished = run_entrypoint(["--rubric", str(rubric)], {"AUTOGRADER_ROOT": str(root)})
    assert finished.returncode == 0, finished.stdout + finished.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    stored = previous["results"]
    assert results["score"] == 42.0 and results["tests"] == stored["tests"]
    assert results["leaderboard"] == stored["leaderboard"]
    assert results["output"].startswith("You have already made 1 graded submission(s) in the last 24 hours")
    assert results["output"].endswith("earlier feedback")
    assert results["extra_data"] == {"rate_limited": True}  # so that it does not count itself
