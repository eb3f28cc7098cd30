"""Waiting for a condition in a page that has the site's Content-Security-Policy.

Playwright's `page.wait_for_function()` evaluates its predicate with `eval()` inside the page, which the
policy (`script-src 'self'`, no 'unsafe-eval') forbids. A function handed to `page.evaluate()` is compiled by
the browser itself, outside the page's policy, so the condition is inlined into one that polls."""

import json


def wait_until(p, condition: str, timeout: int = 15000) -> None:
    """Wait until the JavaScript expression `condition` is truthy in page `p` (at most `timeout` ms)."""
    p.evaluate("() => new Promise((resolve, reject) => { const t0 = Date.now(); const check = () => { "
               f"let ok = false; try {{ ok = ({condition}); }} catch (e) {{ ok = false; }} "
               f"if (ok) resolve(true); else if (Date.now() - t0 > {timeout}) "
               f"reject(new Error('timed out waiting for: ' + {json.dumps(condition)})); "
               "else setTimeout(check, 100); }; check(); })")
