"""Tolerant parsing of task records and uploads: every irregularity KIE and its docs show."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trt_actors.kie import TaskState, parse_created, parse_state, parse_task, parse_upload

TASK = "f23dc0faa81bda75e5a7a20e572a507b"


@pytest.mark.parametrize(
    "raw, state",
    [("waiting", TaskState.WAITING), ("queuing", TaskState.QUEUING), ("generating", TaskState.GENERATING),
     ("success", TaskState.SUCCESS), ("fail", TaskState.FAIL), ("SUCCESS", TaskState.SUCCESS),
     ("failed", TaskState.FAIL), ("PENDING", TaskState.WAITING), (" queued ", TaskState.QUEUING),
     ("something-new", TaskState.GENERATING), (None, TaskState.GENERATING), (3, TaskState.GENERATING)],
)
def test_states_normalise(raw: object, state: TaskState) -> None:
    assert parse_state(raw) is state


def test_terminal_states() -> None:
    assert {s for s in TaskState if s.is_terminal} == {TaskState.SUCCESS, TaskState.FAIL}


def record(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"taskId": TASK, "model": "m", "state": "waiting", "param": "", "resultJson": "",
                            "failCode": None, "failMsg": None, "costTime": None, "completeTime": None,
                            "createTime": 1777539190339}
    base.update(fields)
    return base


@pytest.mark.parametrize(
    "param, expected",
    [
        (json.dumps({"input": json.dumps({"prompt": "p"}), "model": "m"}), {"prompt": "p"}),  # real: double
        (json.dumps({"model": "m", "input": {"prompt": "p"}, "callBackUrl": "u"}), {"prompt": "p"}),  # docs
        ({"input": {"prompt": "p"}}, {"prompt": "p"}),  # already decoded
        (json.dumps(json.dumps({"input": {"prompt": "p"}})), {"prompt": "p"}),  # triple, why not
        ("", {}), (None, {}), ("{not json", {}), (json.dumps({"input": "plain text"}), {}),
    ],
)
def test_param_in_every_encoding(param: Any, expected: dict[str, Any]) -> None:
    assert parse_task(record(param=param)).input == expected


@pytest.mark.parametrize(
    "result_json, urls",
    [
        ("", ()), (None, ()), ("{}", ()), ("garbage", ()),
        ('{"resultUrls":["https://a/1.png","https://a/2.png"]}', ("https://a/1.png", "https://a/2.png")),
        ({"resultUrls": ["https://a/1.png", None, 5]}, ("https://a/1.png",)),
        ('{"resultUrl":"https://a/1.mp4"}', ("https://a/1.mp4",)),
    ],
)
def test_result_json_in_every_form(result_json: Any, urls: tuple[str, ...]) -> None:
    assert parse_task(record(state="success", resultJson=result_json)).result_urls == urls


def test_fail_fields_and_odd_types() -> None:
    info = parse_task(record(state="fail", failCode=500, failMsg="Internal server error", costTime="12",
                             completeTime="1777539378147", createTime=1777539190339.0,
                             updateTime=1, brandNewField=[1, 2]))
    assert (info.fail_code, info.fail_msg, info.cost_time) == ("500", "Internal server error", 12.0)
    assert (info.completed_at_ms, info.created_at_ms) == (1777539378147, 1777539190339)
    assert parse_task(record(failCode="", failMsg="")).fail_code is None  # docs: "" on success


def test_records_without_a_task_id_are_refused() -> None:
    samples: list[Any] = [None, [], "x", {"state": "success"}, {"taskId": ""}]
    for data in samples:
        with pytest.raises(ValueError):
            parse_task(data)


@given(st.dictionaries(st.sampled_from(["state", "param", "resultJson", "failCode", "costTime", "createTime",
                                        "completeTime", "consumeCredits", "model", "failMsg", "other"]),
                       st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
                       | st.lists(st.text(), max_size=2)))
def test_any_field_values_parse_or_fail_cleanly(fields: dict[str, Any]) -> None:
    info = parse_task({"taskId": TASK, **fields})
    assert info.task_id == TASK and isinstance(info.state, TaskState)
    assert all(isinstance(url, str) for url in info.result_urls)


def test_created_and_upload_shapes() -> None:
    assert parse_created({"taskId": TASK, "recordId": TASK}, "m").task_id == TASK
    assert parse_created({"recordId": TASK}, "m").task_id == TASK
    with pytest.raises(ValueError):
        parse_created(None, "m")
    documented = parse_upload({"fileId": "file_abc", "fileName": "my.jpg", "originalName": "s.jpg",
                               "fileSize": 245760, "mimeType": "image/jpeg", "uploadPath": "images",
                               "fileUrl": "https://kieai.redpandaai.co/files/images/my.jpg",
                               "downloadUrl": "https://kieai.redpandaai.co/download/file_abc",
                               "uploadTime": "2025-01-15T10:30:00Z", "expiresAt": "2025-01-18T10:30:00Z"})
    assert documented.download_url == "https://kieai.redpandaai.co/download/file_abc"
    assert (documented.uploaded_at, documented.expires_at) == ("2025-01-15T10:30:00Z", "2025-01-18T10:30:00Z")
    with pytest.raises(ValueError):
        parse_upload({"fileName": "x"})
