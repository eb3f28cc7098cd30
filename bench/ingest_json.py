"""CPU to read a batch of 100 statements (bench/ingest.py's shape, 80 KB) and to write their JSON, in-process.

    uv run python bench/ingest_json.py

Prints the standard-library way (as before orjson) and the current one; best of 5 runs of 300, process CPU.
"""

import json
import os
import tempfile
import time
import uuid

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
os.environ.setdefault("ZHIJIAO_DATA_DIR", tempfile.mkdtemp(prefix="zj-bench-"))
django.setup()

import orjson  # noqa: E402

from zhijiao.core import files  # noqa: E402

st = {"id": str(uuid.uuid4()), "actor": {"objectType": "Agent", "account": {"homePage": "https://sso.example.org", "name": "s1234"}},
      "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"zh-CN": "回答了", "en-US": "answered"}},
      "object": {"objectType": "Activity", "id": "https://zhijiao.example.org/questions/123", "definition": {"name": {"zh-CN": "第 123 题"}, "type": "http://adlnet.gov/expapi/activities/cmi.interaction", "interactionType": "choice"}},
      "result": {"score": {"scaled": 0.8, "raw": 8, "min": 0, "max": 10}, "success": True, "completion": True, "duration": "PT1M3S"},
      "context": {"registration": str(uuid.uuid4()), "contextActivities": {"parent": [{"id": "https://zhijiao.example.org/courses/9"}]}},
      "timestamp": "2026-12-08T03:00:00.000Z"}
batch = json.dumps([dict(st, id=str(uuid.uuid4())) for _ in range(100)]).encode()
def t(f, n=300):
    best = 1e9
    for _ in range(5):
        c = time.process_time()
        for _ in range(n):
            f()
        best = min(best, (time.process_time() - c) / n)
    return best * 1000
def old():
    return files.check_depth(json.loads(batch.decode("utf-8-sig"), parse_constant=files._not_json, parse_float=files._finite))
print(f"parse a batch of 100: stdlib {t(old):.2f} ms, read_json now {t(lambda: files.read_json(batch)):.2f} ms")
val = json.loads(batch)
enc = json.JSONEncoder(separators=(",", ":")).encode
print(f"serialise 100 statements: stdlib {t(lambda: [enc(s) for s in val]):.2f} ms, orjson {t(lambda: [orjson.dumps(s).decode() for s in val]):.2f} ms")
