"""Static files as production serves them.

`zhijiao collectstatic --noinput` (run by `zhijiao start`, by the production units before the server
starts, and checked by CI) copies every app's static files into `<data dir>/static` under content-hashed
names (`zhijiao.3f2a…css`) and writes a brotli and a gzip copy of each. WhiteNoise then answers a hashed
name with `Cache-Control: max-age=315360000, public, immutable` and the smallest encoding the browser
accepts: a return visit asks for none of them again, and a deploy that changes a file changes its name.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CollectedStaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed names once the files are collected. Before that (a development checkout, the test suite)
    there is no manifest: names stay as they are, and WhiteNoise serves the files from the apps' folders
    (`WHITENOISE_USE_FINDERS`)."""

    def stored_name(self, name):
        if not self.hashed_files:
            return name
        return super().stored_name(name)
