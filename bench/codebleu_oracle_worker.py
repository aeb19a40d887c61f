"""Runs inside the ORACLE venv (``codebleu==0.7.0``), never imports coderl.

Reads ``{"lang": ..., "pairs": [[hypothesis, reference], ...]}`` as JSON on stdin and
writes ``{"corpus": {...}, "pairs": [{...}, ...]}``: the package's corpus scores and its
scores for each pair alone. Used by bench/codebleu_agreement.py and
tests/rewards/make_oracle_fixture.py.
"""

import json
import sys

from codebleu import calc_codebleu


def main() -> None:
    request = json.load(sys.stdin)
    lang = request["lang"]
    hyps = [h for h, _ in request["pairs"]]
    refs = [r for _, r in request["pairs"]]
    result = {
        "corpus": calc_codebleu(refs, hyps, lang),
        "pairs": [calc_codebleu([r], [h], lang) for h, r in zip(hyps, refs)],
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
