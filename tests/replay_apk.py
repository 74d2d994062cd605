"""Replays a recorded apk transcript: `replay_apk.py FILE ORDER [apk argv…]`.

FILE is a transcript of tests/data/transcripts (JSON: stdout, stderr, returncode); ORDER is
`stdout-first` or `stderr-first`: which stream is written (and flushed) first, the other only
after a pause, so that a reader sees one order of the two pipes for certain. The apk argv after
them is ignored. For tests of the installer's reading of the two pipes only.
"""

import json
import sys
import time

PAUSE = 0.2  # seconds between the two streams: far longer than a pipe takes to deliver


def main() -> int:
    transcript = json.loads(open(sys.argv[1], encoding="utf-8").read())
    streams = [(sys.stdout, transcript["stdout"]), (sys.stderr, transcript["stderr"])]
    if sys.argv[2] == "stderr-first":
        streams.reverse()
    for index, (stream, text) in enumerate(streams):
        if index:
            time.sleep(PAUSE)
        stream.write(text)
        stream.flush()
    return transcript["returncode"]


if __name__ == "__main__":
    sys.exit(main())
