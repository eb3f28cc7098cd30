"""The cockpit's charts as Chart.js configurations (`cockpit/_charts.html` embeds each as JSON beside its
canvas; `cockpit.js` draws them).

Chart.js (4.6, vendored at `web/vendor/`, MIT) was chosen by weight: the three kinds of chart the cockpit
draws — bars, lines, a radar — cost 62 KB with brotli in its standard build, where ECharts cost 271 KB
(160 KB as a custom build of just these). Every chart has a table with the same figures on its page, so a
page is complete before, or without, the script.
"""

# A label on a category axis longer than this is shortened (the full name is in the table beside it).
LABEL_CHARS = 10


def _chart(chart_id: str, title: str, config: dict, *, tall: bool = False) -> dict:
    options = config.setdefault("options", {})
    options.update(responsive=True, maintainAspectRatio=False, animation=False)
    options.setdefault("interaction", {"mode": "index", "intersect": False})
    options.setdefault("plugins", {}).setdefault("legend", {"display": len(config["data"]["datasets"]) > 1})
    return {"id": chart_id, "title": title, "tall": tall, "config": config}


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def bars(chart_id: str, title: str, labels: list, values: list, *, name: str, horizontal: bool = False,
         max_value: float | None = None, whole_numbers: bool = False, tall: bool = False) -> dict:
    """One series of bars; `horizontal` puts the categories on the left (a ranking)."""
    value_axis: dict = {"beginAtZero": True}
    if max_value is not None:
        value_axis["max"] = max_value
    if whole_numbers:
        value_axis["ticks"] = {"precision": 0}
    value_key, label_key = ("x", "y") if horizontal else ("y", "x")
    return _chart(chart_id, title, {
        "type": "bar",
        "data": {"labels": [_short(str(x)) for x in labels], "datasets": [{"label": name, "data": values}]},
        "options": {"indexAxis": "y" if horizontal else "x",
                    "scales": {value_key: value_axis, label_key: {"ticks": {"autoSkip": not horizontal}}}},
    }, tall=tall)


def lines(chart_id: str, title: str, labels: list, first: tuple[str, list], second: tuple[str, list]) -> dict:
    """Two series over time, each on its own axis (visits on the left, active people on the right)."""
    return _chart(chart_id, title, {
        "type": "line",
        "data": {"labels": labels, "datasets": [
            {"label": first[0], "data": first[1], "yAxisID": "y", "tension": 0.3, "pointRadius": 0},
            {"label": second[0], "data": second[1], "yAxisID": "y1", "tension": 0.3, "pointRadius": 0}]},
        "options": {"scales": {"y": {"beginAtZero": True, "position": "left"},
                               "y1": {"beginAtZero": True, "position": "right", "grid": {"drawOnChartArea": False}}}},
    })


def radar(chart_id: str, title: str, labels: list, values: list, *, name: str, max_value: float = 100) -> dict:
    return _chart(chart_id, title, {
        "type": "radar",
        "data": {"labels": [str(x) for x in labels], "datasets": [{"label": name, "data": values, "fill": True}]},
        "options": {"scales": {"r": {"min": 0, "max": max_value, "ticks": {"stepSize": 20}}}},
    })

