"""Writing a generator's JSON fixture: compact, into a folder made on demand."""
import json
import os


def write_fixture(out, payload, what):
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, 'w') as f:
        json.dump(payload, f, separators=(',', ':'))
    print(f'wrote {what} to {os.path.normpath(out)}')
