"""The live figure sends only the changed curves, as binary arrays, and plotly.js on request."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from imiquimod_model.book.livefigure import PLOTLY_JS, LiveFigure


@pytest.fixture
def figure(monkeypatch):
    fig = LiveFigure(go.Figure([go.Scatter(x=[0, 1, 2], y=[0, 0, 0]) for _ in range(3)]))
    sent = []
    monkeypatch.setattr(fig, "send", lambda content, buffers=None: sent.append((content, buffers)))
    fig.sent = sent
    return fig


def _arrays(buffers):
    return [np.frombuffer(b, dtype=float) for b in buffers]


def test_restyle_sends_each_curve_once_as_float64_and_updates_what_is_shown(figure):
    figure.restyle({"y": [np.array([1.0, 2, 3]), None, np.array([4.0, np.nan, 6])]})
    ((content, buffers),) = figure.sent
    assert content == {"kind": "restyle", "parts": [["y", 0], ["y", 2]]}
    sent = _arrays(buffers)
    assert np.array_equal(sent[0], [1, 2, 3])
    assert np.array_equal(sent[1], [4, np.nan, 6], equal_nan=True)
    assert list(figure.data[0].y) == [1, 2, 3] and list(figure.data[1].y) == [0, 0, 0]


def test_several_properties_travel_in_one_message(figure):
    figure.restyle({"y": [np.ones(3)] * 3, "x": [None, np.full(3, 0.5), None]})
    ((content, buffers),) = figure.sent
    assert ["x", 1] in content["parts"] and len(buffers) == 4
    assert list(figure.data[1].x) == [0.5, 0.5, 0.5]


def test_a_view_that_opens_late_gets_the_current_curves(figure):
    figure.restyle({"y": [np.full(3, 7.0)] * 3})
    figure._answer(figure, {"kind": "need curves"}, [])
    (_, first), (_, replay) = figure.sent
    assert [a.tolist() for a in _arrays(replay)] == [a.tolist() for a in _arrays(first)]


def test_plotly_js_comes_from_the_installed_package_on_request(figure):
    figure._answer(figure, {"kind": "need plotly.js"}, [])
    ((content, buffers),) = figure.sent
    assert content == {"kind": "plotly.js"}
    assert buffers[0] == PLOTLY_JS.read_bytes() and len(buffers[0]) > 1_000_000


def test_unknown_messages_are_ignored(figure):
    figure._answer(figure, {"kind": "something else"}, [])
    figure._answer(figure, "not a dict", [])
    assert figure.sent == []
