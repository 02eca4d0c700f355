from autograder.ratelimit import over_limit
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


def test_missing_or_odd_metadata_never_blocks_grading():
    assert over_limit({}, LIMIT) == (False, None)
    assert over_limit({"created_at": "yesterday", "previous_submissions": "x"}, LIMIT) == (False, None)
    assert over_limit(metadata("2026-11-20T12:00:00Z", ("garbage", 1.0)), LIMIT) == (False, None)
